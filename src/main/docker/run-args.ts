// Translation of a `docker …` command line (as a unit's Exec line gives it, already split into
// words) into a typed action the agent performs through the Docker API. Pure: no I/O here.
// Flag names and forms follow the docker CLI (pflag): `--flag value`, `--flag=value`, combined
// short booleans (`-it`), short flags with attached values (`-p8080:80`), `--` ends the options,
// and options stop at the first non-option word (the image, for `run`).

export type RestartPolicyName = 'no' | 'always' | 'on-failure' | 'unless-stopped';

export interface PortMapping {
  /** Host address to bind, when given (`127.0.0.1:8080:80`). */
  hostIp?: string;
  /** Host port; undefined when only the container port was given (a random host port). */
  hostPort?: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
}

export interface VolumeMount {
  /** Host path or named volume; undefined for an anonymous volume (`-v /data`). */
  source?: string;
  target: string;
  readOnly: boolean;
  /** Extra mode words kept as written (`z`, `Z`, `rprivate`…), without ro/rw. */
  modes: string[];
}

/** `-e KEY=VALUE` has a value; `-e KEY` takes it from the caller's environment, if set. */
export interface EnvEntry {
  key: string;
  value?: string;
}

export interface DockerRunAction {
  kind: 'run';
  name?: string;
  rm: boolean;
  detach: boolean;
  env: EnvEntry[];
  envFiles: string[];
  publish: PortMapping[];
  publishAll: boolean;
  volumes: VolumeMount[];
  restart?: { name: RestartPolicyName; maximumRetryCount?: number };
  /** `--entrypoint ""` resets the image's entrypoint: then this is ''. */
  entrypoint?: string;
  workdir?: string;
  user?: string;
  labels: Record<string, string>;
  hostname?: string;
  interactive: boolean;
  tty: boolean;
  network?: string;
  privileged: boolean;
  init: boolean;
  readOnly: boolean;
  addHosts: string[];
  dns: string[];
  capAdd: string[];
  capDrop: string[];
  /** Bytes (`-m 512m`). */
  memory?: number;
  cpuShares?: number;
  stopSignal?: string;
  stopTimeout?: number;
  image: string;
  command: string[];
}

export interface DockerKillAction {
  kind: 'kill';
  containers: string[];
  signal?: string;
}

export interface DockerRmAction {
  kind: 'rm';
  containers: string[];
  force: boolean;
  volumes: boolean;
}

export interface DockerStopAction {
  kind: 'stop';
  containers: string[];
  /** Seconds to wait before killing (`-t`/`--time`). */
  time?: number;
  signal?: string;
}

export interface DockerStartAction {
  kind: 'start';
  containers: string[];
  /** `-a`: stay attached, i.e. the command lasts as long as the container. */
  attach: boolean;
  interactive: boolean;
}

export interface DockerPullAction {
  kind: 'pull';
  image: string;
  allTags: boolean;
  quiet: boolean;
  platform?: string;
}

export type DockerAction =
  | DockerRunAction
  | DockerKillAction
  | DockerRmAction
  | DockerStopAction
  | DockerStartAction
  | DockerPullAction;

export type ParseResult = { ok: true; action: DockerAction } | { ok: false; error: string };

export const SUPPORTED_DOCKER_COMMANDS = ['run', 'kill', 'rm', 'pull', 'stop', 'start'] as const;

/** True for the words that name the docker client: `docker`, `/usr/bin/docker`, `…/docker`. */
export function isDockerPath(path: string): boolean {
  return path === 'docker' || path.endsWith('/docker');
}

// ---------------------------------------------------------------------------------------------
// Generic option scanning

interface FlagSpec {
  /** Long names without dashes, short names as one letter. */
  names: string[];
  /** Takes a value (else boolean). */
  value: boolean;
  /** Key the value is stored under. */
  key: string;
}

type Scanned = { flags: Map<string, string[]>; rest: string[] } | { error: string };

const TRUE_WORDS = new Set(['true', '1', 't', 'T', 'TRUE', 'True']);
const FALSE_WORDS = new Set(['false', '0', 'f', 'F', 'FALSE', 'False']);

/**
 * Scans options up to the first positional word (docker's subcommands do not intersperse for
 * `run`; for the others we allow options anywhere, as pflag does).
 */
function scan(sub: string, args: string[], specs: FlagSpec[], interspersed: boolean): Scanned {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) for (const n of s.names) byName.set(n, s);
  const flags = new Map<string, string[]>();
  const rest: string[] = [];
  const put = (spec: FlagSpec, v: string) => {
    const list = flags.get(spec.key) ?? [];
    list.push(v);
    flags.set(spec.key, list);
  };
  let i = 0;
  while (i < args.length) {
    const a = args[i] as string;
    if (a === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const spec = byName.get(name);
      if (!spec || name.length === 1) return { error: `unknown flag: --${name} (docker ${sub})` };
      if (spec.value) {
        if (eq >= 0) put(spec, a.slice(eq + 1));
        else {
          const v = args[i + 1];
          if (v === undefined) return { error: `flag needs an argument: --${name} (docker ${sub})` };
          put(spec, v);
          i++;
        }
      } else if (eq >= 0) {
        const v = a.slice(eq + 1);
        if (TRUE_WORDS.has(v)) put(spec, 'true');
        else if (FALSE_WORDS.has(v)) put(spec, 'false');
        else return { error: `invalid boolean value "${v}" for --${name} (docker ${sub})` };
      } else put(spec, 'true');
      i++;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // One or more short flags; a value-taking one consumes the rest of the word or the next.
      let j = 1;
      while (j < a.length) {
        const letter = a[j] as string;
        const spec = byName.get(letter);
        if (!spec) return { error: `unknown shorthand flag: '${letter}' in ${a} (docker ${sub})` };
        if (spec.value) {
          let v = a.slice(j + 1);
          if (v.startsWith('=')) v = v.slice(1);
          if (v === '' && j + 1 >= a.length) {
            const next = args[i + 1];
            if (next === undefined)
              return { error: `flag needs an argument: '${letter}' in -${letter} (docker ${sub})` };
            v = next;
            i++;
          }
          put(spec, v);
          break;
        }
        if (a[j + 1] === '=') {
          const v = a.slice(j + 2);
          if (TRUE_WORDS.has(v)) put(spec, 'true');
          else if (FALSE_WORDS.has(v)) put(spec, 'false');
          else return { error: `invalid boolean value "${v}" for -${letter} (docker ${sub})` };
          break;
        }
        put(spec, 'true');
        j++;
      }
      i++;
      continue;
    }
    if (!interspersed) {
      rest.push(...args.slice(i));
      break;
    }
    rest.push(a);
    i++;
  }
  return { flags, rest };
}

const last = (m: Map<string, string[]>, key: string): string | undefined => m.get(key)?.at(-1);
const all = (m: Map<string, string[]>, key: string): string[] => m.get(key) ?? [];
const bool = (m: Map<string, string[]>, key: string): boolean => last(m, key) === 'true';

// ---------------------------------------------------------------------------------------------
// Values

/** `8080:80`, `127.0.0.1:8080:80/udp`, `80`, `127.0.0.1::80`, `[::1]:8080:80`. */
export function parsePublish(spec: string): PortMapping | { error: string } {
  const bad = (why: string) => ({ error: `invalid -p/--publish "${spec}": ${why}` });
  let body = spec;
  let protocol: PortMapping['protocol'] = 'tcp';
  const slash = body.lastIndexOf('/');
  if (slash >= 0) {
    const p = body.slice(slash + 1).toLowerCase();
    if (p !== 'tcp' && p !== 'udp' && p !== 'sctp') return bad(`unknown protocol "${p}"`);
    protocol = p;
    body = body.slice(0, slash);
  }
  let hostIp: string | undefined;
  if (body.startsWith('[')) {
    const close = body.indexOf(']');
    if (close < 0 || body[close + 1] !== ':') return bad('unterminated IPv6 address');
    hostIp = body.slice(1, close);
    body = body.slice(close + 2);
  }
  const parts = body.split(':');
  let host: string | undefined;
  let container: string;
  if (hostIp !== undefined) {
    if (parts.length !== 2) return bad('expected [ip]:hostPort:containerPort');
    [host, container] = parts as [string, string];
  } else if (parts.length === 1) container = parts[0] as string;
  else if (parts.length === 2) [host, container] = parts as [string, string];
  else if (parts.length === 3) [hostIp, host, container] = parts as [string, string, string];
  else return bad('too many colons');
  if (/-/.test(container) || (host && /-/.test(host))) return bad('port ranges are not supported');
  const port = (s: string) =>
    /^\d{1,5}$/.test(s) && Number(s) > 0 && Number(s) < 65536 ? Number(s) : undefined;
  const containerPort = port(container);
  if (containerPort === undefined) return bad(`"${container}" is not a port`);
  const m: PortMapping = { containerPort, protocol };
  if (hostIp) m.hostIp = hostIp;
  if (host) {
    const hp = port(host);
    if (hp === undefined) return bad(`"${host}" is not a port`);
    m.hostPort = hp;
  }
  return m;
}

const VOLUME_MODES = new Set([
  'ro',
  'rw',
  'z',
  'Z',
  'nocopy',
  'shared',
  'rshared',
  'slave',
  'rslave',
  'private',
  'rprivate',
  'consistent',
  'cached',
  'delegated',
]);

/** `/host:/ctr`, `/host:/ctr:ro`, `name:/ctr:rw,z`, `/ctr`. */
export function parseVolume(spec: string): VolumeMount | { error: string } {
  const parts = spec.split(':');
  const bad = (why: string) => ({ error: `invalid -v/--volume "${spec}": ${why}` });
  if (parts.some((p) => p === '')) return bad('empty part');
  let source: string | undefined;
  let target: string;
  let mode = '';
  if (parts.length === 1) target = parts[0] as string;
  else if (parts.length === 2) {
    const second = parts[1] as string;
    if (second.split(',').every((w) => VOLUME_MODES.has(w))) [target, mode] = parts as [string, string];
    else [source, target] = parts as [string, string];
  } else if (parts.length === 3) [source, target, mode] = parts as [string, string, string];
  else return bad('too many colons');
  if (!target.startsWith('/')) return bad(`the container path "${target}" must be absolute`);
  const words = mode ? mode.split(',') : [];
  const readOnly = words.includes('ro');
  if (readOnly && words.includes('rw')) return bad('both ro and rw');
  const m: VolumeMount = { target, readOnly, modes: words.filter((w) => w !== 'ro' && w !== 'rw') };
  if (source !== undefined) m.source = source;
  return m;
}

export function parseRestart(spec: string): DockerRunAction['restart'] | { error: string } {
  const [name, count, extra] = spec.split(':');
  const bad = { error: `invalid --restart "${spec}": expected no, always, on-failure[:N] or unless-stopped` };
  if (extra !== undefined) return bad;
  if (name === 'no' || name === 'always' || name === 'unless-stopped') {
    return count === undefined ? { name } : bad;
  }
  if (name === 'on-failure') {
    if (count === undefined) return { name };
    if (!/^\d+$/.test(count)) return bad;
    return { name, maximumRetryCount: Number(count) };
  }
  return bad;
}

/** `512m`, `1g`, `1024` (bytes), as docker's RAMInBytes. */
export function parseBytes(spec: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgtp]?)b?$/i.exec(spec.trim());
  if (!m) return undefined;
  const mult: Record<string, number> = {
    '': 1,
    b: 1,
    k: 2 ** 10,
    m: 2 ** 20,
    g: 2 ** 30,
    t: 2 ** 40,
    p: 2 ** 50,
  };
  return Math.round(Number(m[1]) * (mult[(m[2] ?? '').toLowerCase()] ?? 1));
}

/** `KEY=VALUE` or bare `KEY`. */
export function parseEnvWord(word: string): EnvEntry | { error: string } {
  const eq = word.indexOf('=');
  const key = eq >= 0 ? word.slice(0, eq) : word;
  if (key === '') return { error: `invalid environment variable "${word}"` };
  return eq >= 0 ? { key, value: word.slice(eq + 1) } : { key };
}

/** Docker's env-file format: KEY=VALUE or bare KEY per line, `#` comments, no quoting. */
export function parseEnvFile(text: string): EnvEntry[] {
  const out: EnvEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const e = parseEnvWord(line);
    if ('key' in e) out.push(e.value === undefined ? { key: e.key.trimEnd() } : e);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Subcommands

const RUN_FLAGS: FlagSpec[] = [
  { names: ['name'], value: true, key: 'name' },
  { names: ['rm'], value: false, key: 'rm' },
  { names: ['detach', 'd'], value: false, key: 'detach' },
  { names: ['env', 'e'], value: true, key: 'env' },
  { names: ['env-file'], value: true, key: 'env-file' },
  { names: ['publish', 'p'], value: true, key: 'publish' },
  { names: ['publish-all', 'P'], value: false, key: 'publish-all' },
  { names: ['volume', 'v'], value: true, key: 'volume' },
  { names: ['restart'], value: true, key: 'restart' },
  { names: ['entrypoint'], value: true, key: 'entrypoint' },
  { names: ['workdir', 'w'], value: true, key: 'workdir' },
  { names: ['user', 'u'], value: true, key: 'user' },
  { names: ['label', 'l'], value: true, key: 'label' },
  { names: ['hostname', 'h'], value: true, key: 'hostname' },
  { names: ['interactive', 'i'], value: false, key: 'interactive' },
  { names: ['tty', 't'], value: false, key: 'tty' },
  { names: ['net', 'network'], value: true, key: 'network' },
  { names: ['privileged'], value: false, key: 'privileged' },
  { names: ['init'], value: false, key: 'init' },
  { names: ['read-only'], value: false, key: 'read-only' },
  { names: ['add-host'], value: true, key: 'add-host' },
  { names: ['dns'], value: true, key: 'dns' },
  { names: ['cap-add'], value: true, key: 'cap-add' },
  { names: ['cap-drop'], value: true, key: 'cap-drop' },
  { names: ['memory', 'm'], value: true, key: 'memory' },
  { names: ['cpu-shares', 'c'], value: true, key: 'cpu-shares' },
  { names: ['stop-signal'], value: true, key: 'stop-signal' },
  { names: ['stop-timeout'], value: true, key: 'stop-timeout' },
];

function parseRun(args: string[]): ParseResult {
  const s = scan('run', args, RUN_FLAGS, false);
  if ('error' in s) return { ok: false, error: s.error };
  const f = s.flags;
  const [image, ...command] = s.rest;
  if (!image)
    return { ok: false, error: 'docker run needs an image: docker run [OPTIONS] IMAGE [COMMAND] [ARG...]' };
  const run: DockerRunAction = {
    kind: 'run',
    rm: bool(f, 'rm'),
    detach: bool(f, 'detach'),
    env: [],
    envFiles: all(f, 'env-file'),
    publish: [],
    publishAll: bool(f, 'publish-all'),
    volumes: [],
    labels: {},
    interactive: bool(f, 'interactive'),
    tty: bool(f, 'tty'),
    privileged: bool(f, 'privileged'),
    init: bool(f, 'init'),
    readOnly: bool(f, 'read-only'),
    addHosts: all(f, 'add-host'),
    dns: all(f, 'dns'),
    capAdd: all(f, 'cap-add'),
    capDrop: all(f, 'cap-drop'),
    image,
    command,
  };
  const name = last(f, 'name');
  if (name !== undefined) {
    if (!/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
      return {
        ok: false,
        error: `invalid container name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      };
    }
    run.name = name.replace(/^\//, '');
  }
  if (run.rm && last(f, 'restart') !== undefined && last(f, 'restart') !== 'no') {
    return { ok: false, error: 'conflicting options: --restart and --rm' };
  }
  for (const w of all(f, 'env')) {
    const e = parseEnvWord(w);
    if ('error' in e) return { ok: false, error: e.error };
    run.env.push(e);
  }
  for (const w of all(f, 'publish')) {
    const p = parsePublish(w);
    if ('error' in p) return { ok: false, error: p.error };
    run.publish.push(p);
  }
  for (const w of all(f, 'volume')) {
    const v = parseVolume(w);
    if ('error' in v) return { ok: false, error: v.error };
    run.volumes.push(v);
  }
  const restart = last(f, 'restart');
  if (restart !== undefined) {
    const r = parseRestart(restart);
    if (r && 'error' in r) return { ok: false, error: r.error };
    if (r) run.restart = r;
  }
  for (const w of all(f, 'label')) {
    const eq = w.indexOf('=');
    const key = eq >= 0 ? w.slice(0, eq) : w;
    if (!key) return { ok: false, error: `invalid label "${w}"` };
    run.labels[key] = eq >= 0 ? w.slice(eq + 1) : '';
  }
  const copy = (key: string, set: (v: string) => void) => {
    const v = last(f, key);
    if (v !== undefined) set(v);
  };
  copy('entrypoint', (v) => (run.entrypoint = v));
  copy('workdir', (v) => (run.workdir = v));
  copy('user', (v) => (run.user = v));
  copy('hostname', (v) => (run.hostname = v));
  copy('network', (v) => (run.network = v));
  copy('stop-signal', (v) => (run.stopSignal = v));
  if (run.workdir !== undefined && !run.workdir.startsWith('/')) {
    return {
      ok: false,
      error: `the working directory "${run.workdir}" is invalid, it needs to be an absolute path`,
    };
  }
  const mem = last(f, 'memory');
  if (mem !== undefined) {
    const b = parseBytes(mem);
    if (b === undefined) return { ok: false, error: `invalid --memory "${mem}"` };
    run.memory = b;
  }
  const shares = last(f, 'cpu-shares');
  if (shares !== undefined) {
    if (!/^\d+$/.test(shares)) return { ok: false, error: `invalid --cpu-shares "${shares}"` };
    run.cpuShares = Number(shares);
  }
  const st = last(f, 'stop-timeout');
  if (st !== undefined) {
    if (!/^-?\d+$/.test(st)) return { ok: false, error: `invalid --stop-timeout "${st}"` };
    run.stopTimeout = Number(st);
  }
  return { ok: true, action: run };
}

function needContainers(sub: string, rest: string[]): { error: string } | undefined {
  if (rest.length === 0) return { error: `docker ${sub} needs at least one container name` };
  return undefined;
}

function parseKill(args: string[]): ParseResult {
  const s = scan('kill', args, [{ names: ['signal', 's'], value: true, key: 'signal' }], true);
  if ('error' in s) return { ok: false, error: s.error };
  const miss = needContainers('kill', s.rest);
  if (miss) return { ok: false, ...miss };
  const a: DockerKillAction = { kind: 'kill', containers: s.rest };
  const sig = last(s.flags, 'signal');
  if (sig !== undefined) a.signal = sig;
  return { ok: true, action: a };
}

function parseRm(args: string[]): ParseResult {
  const s = scan(
    'rm',
    args,
    [
      { names: ['force', 'f'], value: false, key: 'force' },
      { names: ['volumes', 'v'], value: false, key: 'volumes' },
    ],
    true,
  );
  if ('error' in s) return { ok: false, error: s.error };
  const miss = needContainers('rm', s.rest);
  if (miss) return { ok: false, ...miss };
  return {
    ok: true,
    action: {
      kind: 'rm',
      containers: s.rest,
      force: bool(s.flags, 'force'),
      volumes: bool(s.flags, 'volumes'),
    },
  };
}

function parseStop(args: string[]): ParseResult {
  const s = scan(
    'stop',
    args,
    [
      { names: ['time', 't', 'timeout'], value: true, key: 'time' },
      { names: ['signal', 's'], value: true, key: 'signal' },
    ],
    true,
  );
  if ('error' in s) return { ok: false, error: s.error };
  const miss = needContainers('stop', s.rest);
  if (miss) return { ok: false, ...miss };
  const a: DockerStopAction = { kind: 'stop', containers: s.rest };
  const t = last(s.flags, 'time');
  if (t !== undefined) {
    if (!/^-?\d+$/.test(t)) return { ok: false, error: `invalid -t/--time "${t}": expected whole seconds` };
    a.time = Number(t);
  }
  const sig = last(s.flags, 'signal');
  if (sig !== undefined) a.signal = sig;
  return { ok: true, action: a };
}

function parseStart(args: string[]): ParseResult {
  const s = scan(
    'start',
    args,
    [
      { names: ['attach', 'a'], value: false, key: 'attach' },
      { names: ['interactive', 'i'], value: false, key: 'interactive' },
    ],
    true,
  );
  if ('error' in s) return { ok: false, error: s.error };
  const miss = needContainers('start', s.rest);
  if (miss) return { ok: false, ...miss };
  if (bool(s.flags, 'attach') && s.rest.length > 1) {
    return { ok: false, error: 'docker start: you cannot attach to multiple containers at once' };
  }
  return {
    ok: true,
    action: {
      kind: 'start',
      containers: s.rest,
      attach: bool(s.flags, 'attach'),
      interactive: bool(s.flags, 'interactive'),
    },
  };
}

function parsePull(args: string[]): ParseResult {
  const s = scan(
    'pull',
    args,
    [
      { names: ['all-tags', 'a'], value: false, key: 'all-tags' },
      { names: ['quiet', 'q'], value: false, key: 'quiet' },
      { names: ['platform'], value: true, key: 'platform' },
      { names: ['disable-content-trust'], value: false, key: 'dct' },
    ],
    true,
  );
  if ('error' in s) return { ok: false, error: s.error };
  if (s.rest.length !== 1)
    return { ok: false, error: 'docker pull needs exactly one image: docker pull [OPTIONS] NAME[:TAG]' };
  const a: DockerPullAction = {
    kind: 'pull',
    image: s.rest[0] as string,
    allTags: bool(s.flags, 'all-tags'),
    quiet: bool(s.flags, 'quiet'),
  };
  const platform = last(s.flags, 'platform');
  if (platform !== undefined) a.platform = platform;
  return { ok: true, action: a };
}

const PARSERS: Record<(typeof SUPPORTED_DOCKER_COMMANDS)[number], (args: string[]) => ParseResult> = {
  run: parseRun,
  kill: parseKill,
  rm: parseRm,
  pull: parsePull,
  stop: parseStop,
  start: parseStart,
};

/**
 * Parses `docker …` words. `argv[0]` may be the client itself (`/usr/bin/docker`, `docker`) or
 * already the subcommand. `docker container run …` (the management form) is accepted too.
 */
export function parseDockerCommand(argv: string[]): ParseResult {
  let words = argv;
  if (words[0] !== undefined && isDockerPath(words[0])) words = words.slice(1);
  const first = words[0];
  if (first === undefined) return { ok: false, error: 'docker needs a command' };
  if (first.startsWith('-')) {
    return {
      ok: false,
      error: `docker global option ${first} is not supported (the agent chooses the engine)`,
    };
  }
  if (first === 'container' || first === 'image') {
    words = words.slice(1);
    if (words[0] === undefined) return { ok: false, error: `docker ${first} needs a command` };
    if (first === 'image' && words[0] !== 'pull') {
      return { ok: false, error: `docker image ${words[0]} is not supported; supported: pull` };
    }
  }
  const sub = words[0] as string;
  const parse = (PARSERS as Record<string, ((args: string[]) => ParseResult) | undefined>)[sub];
  if (!parse) {
    return {
      ok: false,
      error: `docker ${sub} is not supported; supported: ${SUPPORTED_DOCKER_COMMANDS.join(', ')}`,
    };
  }
  return parse(words.slice(1));
}

// ---------------------------------------------------------------------------------------------
// dockerode create options

/** The subset of dockerode's ContainerCreateOptions we produce (structurally compatible). */
export interface CreateOptions {
  name: string;
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  Hostname?: string;
  Labels: Record<string, string>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, Record<string, never>>;
  Volumes?: Record<string, Record<string, never>>;
  StopSignal?: string;
  StopTimeout?: number;
  HostConfig: {
    NetworkMode?: string;
    PidMode?: string;
    AutoRemove: boolean;
    Privileged: boolean;
    Init?: boolean;
    ReadonlyRootfs?: boolean;
    Binds?: string[];
    PortBindings?: Record<string, Array<{ HostIp: string; HostPort: string }>>;
    PublishAllPorts?: boolean;
    RestartPolicy?: { Name: string; MaximumRetryCount?: number };
    ExtraHosts?: string[];
    Dns?: string[];
    CapAdd?: string[];
    CapDrop?: string[];
    Memory?: number;
    CpuShares?: number;
  };
}

export interface CreateContext {
  /** The real container name (the caller scopes it). */
  name: string;
  /** Labels the caller owns; they win over `--label` of the same key. */
  labels: Record<string, string>;
  /** Network mode when the command line gave none (e.g. `container:<machine>`). */
  networkMode?: string;
  /** PID namespace to join (`container:<machine>`: the container's processes die with it). */
  pidMode?: string;
  /** Environment for bare `-e KEY` (docker takes it from the client's environment). */
  env?: Record<string, string>;
  /** Entries of the `--env-file`s, read by the caller, in order. */
  envFileEntries?: EnvEntry[];
}

/** Builds the Docker API create body for a parsed `docker run`. */
export function toCreateOptions(run: DockerRunAction, ctx: CreateContext): CreateOptions {
  const env: string[] = [];
  for (const e of [...(ctx.envFileEntries ?? []), ...run.env]) {
    if (e.value !== undefined) env.push(`${e.key}=${e.value}`);
    else if (ctx.env && Object.prototype.hasOwnProperty.call(ctx.env, e.key))
      env.push(`${e.key}=${ctx.env[e.key]}`);
  }
  const o: CreateOptions = {
    name: ctx.name,
    Image: run.image,
    Labels: { ...run.labels, ...ctx.labels },
    Tty: run.tty,
    OpenStdin: run.interactive,
    StdinOnce: false,
    AttachStdin: false,
    AttachStdout: !run.detach,
    AttachStderr: !run.detach,
    HostConfig: { AutoRemove: run.rm, Privileged: run.privileged },
  };
  if (run.command.length > 0) o.Cmd = run.command;
  if (run.entrypoint !== undefined) o.Entrypoint = run.entrypoint === '' ? [''] : [run.entrypoint];
  if (env.length > 0) o.Env = env;
  if (run.workdir !== undefined) o.WorkingDir = run.workdir;
  if (run.user !== undefined) o.User = run.user;
  if (run.hostname !== undefined) o.Hostname = run.hostname;
  if (run.stopSignal !== undefined) o.StopSignal = run.stopSignal;
  if (run.stopTimeout !== undefined) o.StopTimeout = run.stopTimeout;
  const network = run.network ?? ctx.networkMode;
  if (network !== undefined) o.HostConfig.NetworkMode = network;
  if (ctx.pidMode !== undefined) o.HostConfig.PidMode = ctx.pidMode;
  if (run.init) o.HostConfig.Init = true;
  if (run.readOnly) o.HostConfig.ReadonlyRootfs = true;
  if (run.publishAll) o.HostConfig.PublishAllPorts = true;
  if (run.publish.length > 0) {
    o.ExposedPorts = {};
    o.HostConfig.PortBindings = {};
    for (const p of run.publish) {
      const key = `${p.containerPort}/${p.protocol}`;
      o.ExposedPorts[key] = {};
      (o.HostConfig.PortBindings[key] ??= []).push({
        HostIp: p.hostIp ?? '',
        HostPort: p.hostPort === undefined ? '' : String(p.hostPort),
      });
    }
  }
  const binds: string[] = [];
  const anon: Record<string, Record<string, never>> = {};
  for (const v of run.volumes) {
    if (v.source === undefined) anon[v.target] = {};
    else {
      const modes = [...(v.readOnly ? ['ro'] : []), ...v.modes];
      binds.push(`${v.source}:${v.target}${modes.length ? `:${modes.join(',')}` : ''}`);
    }
  }
  if (binds.length) o.HostConfig.Binds = binds;
  if (Object.keys(anon).length) o.Volumes = anon;
  if (run.restart) {
    o.HostConfig.RestartPolicy = { Name: run.restart.name };
    if (run.restart.maximumRetryCount !== undefined) {
      o.HostConfig.RestartPolicy.MaximumRetryCount = run.restart.maximumRetryCount;
    }
  }
  if (run.addHosts.length) o.HostConfig.ExtraHosts = run.addHosts;
  if (run.dns.length) o.HostConfig.Dns = run.dns;
  if (run.capAdd.length) o.HostConfig.CapAdd = run.capAdd;
  if (run.capDrop.length) o.HostConfig.CapDrop = run.capDrop;
  if (run.memory !== undefined) o.HostConfig.Memory = run.memory;
  if (run.cpuShares !== undefined) o.HostConfig.CpuShares = run.cpuShares;
  return o;
}

/**
 * What cannot work when the container shares another container's network namespace
 * (`--net container:X`): docker refuses these combinations. Undefined when all is well.
 */
export function sharedNetnsConflict(
  run: DockerRunAction,
  networkMode: string | undefined,
): string | undefined {
  const mode = run.network ?? networkMode;
  if (!mode?.startsWith('container:')) return undefined;
  if (run.publish.length > 0 || run.publishAll) {
    return `-p/--publish cannot be used with the network mode ${mode}: that namespace's ports are not Docker's to publish`;
  }
  if (run.hostname !== undefined) {
    return `-h/--hostname cannot be used with the network mode ${mode}: the hostname is the machine's`;
  }
  if (run.dns.length > 0 || run.addHosts.length > 0) {
    return `--dns/--add-host cannot be used with the network mode ${mode}`;
  }
  return undefined;
}
