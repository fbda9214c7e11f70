import { describe, expect, it } from 'vitest';
import {
  type DockerAction,
  type DockerRunAction,
  isDockerPath,
  parseDockerCommand,
  parseEnvFile,
  parsePublish,
  parseVolume,
  sharedNetnsConflict,
  toCreateOptions,
} from './run-args';

function ok(argv: string[]): DockerAction {
  const r = parseDockerCommand(argv);
  if (!r.ok) throw new Error(r.error);
  return r.action;
}
function run(argv: string[]): DockerRunAction {
  const a = ok(['/usr/bin/docker', 'run', ...argv]);
  if (a.kind !== 'run') throw new Error('not run');
  return a;
}
function err(argv: string[]): string {
  const r = parseDockerCommand(argv);
  if (r.ok) throw new Error(`parsed: ${JSON.stringify(r.action)}`);
  return r.error;
}

describe('parseDockerCommand: run', () => {
  it("parses hello.service's ExecStart", () => {
    const a = run([
      '--name',
      'busybox1',
      'busybox',
      '/bin/sh',
      '-c',
      'while true; do echo Hello World; sleep 1; done',
    ]);
    expect(a).toMatchObject({
      name: 'busybox1',
      image: 'busybox',
      command: ['/bin/sh', '-c', 'while true; do echo Hello World; sleep 1; done'],
      rm: false,
      detach: false,
    });
  });

  it('stops options at the image: later dashes belong to the command', () => {
    const a = run(['--rm', 'busybox', 'ls', '-l', '--name', 'x']);
    expect(a.rm).toBe(true);
    expect(a.name).toBeUndefined();
    expect(a.command).toEqual(['ls', '-l', '--name', 'x']);
  });

  it('accepts --flag=value and --flag value, short attached values, combined booleans', () => {
    const a = run([
      '--name=web',
      '-it',
      '-d',
      '-eA=1',
      '-e',
      'B=two words',
      '--env=C',
      '--env-file',
      '/etc/environment',
      '-p8080:80',
      '--publish',
      '127.0.0.1:5353:53/udp',
      '-p',
      '9000',
      '-v',
      '/srv:/data:ro',
      '--volume=/cache',
      '--restart',
      'on-failure:3',
      '--entrypoint',
      '/bin/sh',
      '-w',
      '/data',
      '-u',
      '1000:1000',
      '--label',
      'a=b',
      '-l',
      'flag',
      '-h',
      'box',
      '--net',
      'host',
      '--privileged',
      'nginx:1.25',
    ]);
    expect(a).toMatchObject({
      name: 'web',
      interactive: true,
      tty: true,
      detach: true,
      env: [{ key: 'A', value: '1' }, { key: 'B', value: 'two words' }, { key: 'C' }],
      envFiles: ['/etc/environment'],
      publish: [
        { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
        { hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' },
        { containerPort: 9000, protocol: 'tcp' },
      ],
      volumes: [
        { source: '/srv', target: '/data', readOnly: true, modes: [] },
        { target: '/cache', readOnly: false, modes: [] },
      ],
      restart: { name: 'on-failure', maximumRetryCount: 3 },
      entrypoint: '/bin/sh',
      workdir: '/data',
      user: '1000:1000',
      labels: { a: 'b', flag: '' },
      hostname: 'box',
      network: 'host',
      privileged: true,
      image: 'nginx:1.25',
      command: [],
    });
  });

  it('--network is --net; booleans take =false', () => {
    const a = run(['--network=bridge', '--rm=false', '-d=true', 'busybox']);
    expect(a.network).toBe('bridge');
    expect(a.rm).toBe(false);
    expect(a.detach).toBe(true);
  });

  it('-- ends the options', () => {
    expect(run(['--rm', '--', 'busybox', 'true']).image).toBe('busybox');
  });

  it('restart policies', () => {
    expect(run(['--restart', 'always', 'x']).restart).toEqual({ name: 'always' });
    expect(run(['--restart=unless-stopped', 'x']).restart).toEqual({ name: 'unless-stopped' });
    expect(run(['--restart=no', 'x']).restart).toEqual({ name: 'no' });
    expect(err(['docker', 'run', '--restart', 'sometimes', 'x'])).toMatch(/invalid --restart "sometimes"/);
    expect(err(['docker', 'run', '--restart', 'always:3', 'x'])).toMatch(/invalid --restart/);
    expect(err(['docker', 'run', '--rm', '--restart', 'always', 'x'])).toMatch(/--restart and --rm/);
  });

  it('names the unknown flag', () => {
    expect(err(['docker', 'run', '--frobnicate', 'x'])).toBe('unknown flag: --frobnicate (docker run)');
    expect(err(['docker', 'run', '-iZ', 'x'])).toMatch(/unknown shorthand flag: 'Z' in -iZ/);
    expect(err(['docker', 'run', '--name'])).toMatch(/flag needs an argument: --name/);
  });

  it('needs an image; rejects bad names and relative workdirs', () => {
    expect(err(['docker', 'run', '--rm'])).toMatch(/needs an image/);
    expect(err(['docker', 'run', '--name', 'bad name', 'x'])).toMatch(/invalid container name/);
    expect(err(['docker', 'run', '-w', 'rel', 'x'])).toMatch(/absolute path/);
  });

  it('memory, cpu shares, caps, hosts', () => {
    const a = run([
      '-m',
      '512m',
      '--cpu-shares=512',
      '--cap-add',
      'NET_ADMIN',
      '--add-host',
      'db:10.0.0.2',
      'x',
    ]);
    expect(a.memory).toBe(512 * 1024 * 1024);
    expect(a.cpuShares).toBe(512);
    expect(a.capAdd).toEqual(['NET_ADMIN']);
    expect(a.addHosts).toEqual(['db:10.0.0.2']);
  });
});

describe('parseDockerCommand: other subcommands', () => {
  it('kill, rm, stop, start, pull', () => {
    expect(ok(['/usr/bin/docker', 'kill', 'busybox1'])).toEqual({ kind: 'kill', containers: ['busybox1'] });
    expect(ok(['docker', 'kill', '-s', 'HUP', 'a', 'b'])).toEqual({
      kind: 'kill',
      containers: ['a', 'b'],
      signal: 'HUP',
    });
    expect(ok(['docker', 'kill', '--signal=KILL', 'a'])).toMatchObject({ signal: 'KILL' });
    expect(ok(['docker', 'rm', '-f', 'busybox1'])).toEqual({
      kind: 'rm',
      containers: ['busybox1'],
      force: true,
      volumes: false,
    });
    expect(ok(['docker', 'rm', '-fv', 'x'])).toMatchObject({ force: true, volumes: true });
    expect(ok(['docker', 'stop', '-t', '5', 'busybox1'])).toEqual({
      kind: 'stop',
      containers: ['busybox1'],
      time: 5,
    });
    expect(ok(['docker', 'stop', 'busybox1', '--time=2'])).toMatchObject({ time: 2 });
    expect(ok(['docker', 'start', '-a', 'x'])).toEqual({
      kind: 'start',
      containers: ['x'],
      attach: true,
      interactive: false,
    });
    expect(ok(['docker', 'pull', 'busybox'])).toEqual({
      kind: 'pull',
      image: 'busybox',
      allTags: false,
      quiet: false,
    });
    expect(ok(['docker', 'image', 'pull', '-q', 'busybox:1'])).toMatchObject({
      image: 'busybox:1',
      quiet: true,
    });
    expect(ok(['docker', 'container', 'kill', 'x'])).toMatchObject({ kind: 'kill' });
    expect(ok(['run', 'busybox'])).toMatchObject({ kind: 'run', image: 'busybox' });
  });

  it('errors', () => {
    expect(err(['docker', 'exec', 'x', 'ls'])).toBe(
      'docker exec is not supported; supported: run, kill, rm, pull, stop, start',
    );
    expect(err(['docker'])).toMatch(/needs a command/);
    expect(err(['docker', '-H', 'tcp://x', 'run', 'y'])).toMatch(/global option -H/);
    expect(err(['docker', 'kill'])).toMatch(/needs at least one container/);
    expect(err(['docker', 'stop', '-t', 'soon', 'x'])).toMatch(/invalid -t/);
    expect(err(['docker', 'pull'])).toMatch(/exactly one image/);
    expect(err(['docker', 'rm', '--all', 'x'])).toMatch(/unknown flag: --all \(docker rm\)/);
    expect(err(['docker', 'start', '-a', 'x', 'y'])).toMatch(/multiple containers/);
  });

  it('isDockerPath', () => {
    expect(isDockerPath('/usr/bin/docker')).toBe(true);
    expect(isDockerPath('docker')).toBe(true);
    expect(isDockerPath('/usr/bin/dockerd')).toBe(false);
  });
});

describe('values', () => {
  it('publish forms', () => {
    expect(parsePublish('[::1]:8080:80')).toEqual({
      hostIp: '::1',
      hostPort: 8080,
      containerPort: 80,
      protocol: 'tcp',
    });
    expect(parsePublish('127.0.0.1::80')).toEqual({
      hostIp: '127.0.0.1',
      containerPort: 80,
      protocol: 'tcp',
    });
    expect(parsePublish('8000-8001:80-81')).toMatchObject({ error: expect.stringMatching(/ranges/) });
    expect(parsePublish('80/icmp')).toMatchObject({ error: expect.stringMatching(/protocol/) });
    expect(parsePublish('99999')).toMatchObject({ error: expect.stringMatching(/not a port/) });
  });

  it('volume forms', () => {
    expect(parseVolume('data:/var/lib/x:rw,z')).toEqual({
      source: 'data',
      target: '/var/lib/x',
      readOnly: false,
      modes: ['z'],
    });
    expect(parseVolume('/data:ro')).toEqual({ target: '/data', readOnly: true, modes: [] });
    expect(parseVolume('/a:rel')).toMatchObject({ error: expect.stringMatching(/must be absolute/) });
    expect(parseVolume('/a:/b:bogus')).toEqual({
      source: '/a',
      target: '/b',
      readOnly: false,
      modes: ['bogus'],
    });
  });

  it('env files', () => {
    expect(parseEnvFile('# c\nA=1\n\n  B = x \nC\n')).toEqual([
      { key: 'A', value: '1' },
      { key: 'B ', value: ' x ' },
      { key: 'C' },
    ]);
  });
});

describe('toCreateOptions', () => {
  it('builds the API body: scoped name, our labels win, network mode, env order', () => {
    const a = run([
      '--name',
      'busybox1',
      '-e',
      'A=1',
      '-e',
      'HOME',
      '-e',
      'MISSING',
      '-l',
      'flotilla.unit=spoof',
      '-l',
      'x=y',
      '-v',
      '/srv:/data:ro',
      '-v',
      '/anon',
      '--restart',
      'on-failure:2',
      '--entrypoint',
      '',
      'busybox',
      'sh',
      '-c',
      'true',
    ]);
    const o = toCreateOptions(a, {
      name: 'flotilla-c-core-01-busybox1',
      labels: { 'flotilla.unit': 'hello.service' },
      networkMode: 'container:m',
      pidMode: 'container:m',
      env: { HOME: '/root' },
      envFileEntries: [
        { key: 'A', value: '0' },
        { key: 'F', value: 'f' },
      ],
    });
    expect(o).toMatchObject({
      name: 'flotilla-c-core-01-busybox1',
      Image: 'busybox',
      Cmd: ['sh', '-c', 'true'],
      Entrypoint: [''],
      Env: ['A=0', 'F=f', 'A=1', 'HOME=/root'],
      Labels: { 'flotilla.unit': 'hello.service', x: 'y' },
      Tty: false,
      Volumes: { '/anon': {} },
      HostConfig: {
        NetworkMode: 'container:m',
        PidMode: 'container:m',
        AutoRemove: false,
        Privileged: false,
        Binds: ['/srv:/data:ro'],
        RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 },
      },
    });
  });

  it('ports; --net wins over the default network mode', () => {
    const a = run(['-p', '127.0.0.1:8080:80', '-p', '53/udp', '--net', 'bridge', 'nginx']);
    const o = toCreateOptions(a, { name: 'n', labels: {}, networkMode: 'container:m' });
    expect(o.HostConfig.NetworkMode).toBe('bridge');
    expect(o.ExposedPorts).toEqual({ '80/tcp': {}, '53/udp': {} });
    expect(o.HostConfig.PortBindings).toEqual({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
      '53/udp': [{ HostIp: '', HostPort: '' }],
    });
    expect(o.Cmd).toBeUndefined();
    expect(sharedNetnsConflict(a, 'container:m')).toBeUndefined();
  });

  it('reports -p with a shared network namespace', () => {
    const a = run(['-p', '8080:80', 'nginx']);
    expect(sharedNetnsConflict(a, 'container:m')).toMatch(/-p\/--publish cannot be used/);
    expect(sharedNetnsConflict(run(['-h', 'x', 'nginx']), 'container:m')).toMatch(/hostname/);
    expect(sharedNetnsConflict(a, undefined)).toBeUndefined();
    // The unit host gives such a container the machine's network instead: no conflict there.
    expect(sharedNetnsConflict(a, 'flotilla-prod')).toBeUndefined();
    expect(toCreateOptions(a, { name: 'n', labels: {} }).HostConfig.PidMode).toBeUndefined();
  });
});
