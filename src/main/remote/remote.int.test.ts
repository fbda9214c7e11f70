import Docker from 'dockerode';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { Client } from 'ssh2';
import { extract, pack } from 'tar-stream';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  SshEndpointSchema,
  type HostKeyFacts,
  type SshEndpoint,
  type SshEndpointInput,
} from '../../shared/api';
import { followBuild, seedBusybox } from '../docker';
import { startExec, type ExecEvents, type RunningExec } from '../shell/exec';
import { SILENT_TASK } from '../tasks';
import {
  checkRemoteDocker,
  connectSsh,
  dockerOverSsh,
  KnownHosts,
  probeRemoteHost,
  RemoteLink,
  startSshExec,
} from '.';
import { runCommand } from './exec';
import { ENCRYPTED_KEY_PASSPHRASE, isAlive, sshdUnavailable, TestSshd } from './test-sshd';

// Against Debian's real sshd (started here, on loopback) and the real local Docker engine, which
// the SSH host reaches through its own socket: what dockerode does over the local socket it must
// do over SSH. Every container, image and network made here is labelled and removed afterwards.

const missing = sshdUnavailable();
if (missing) console.warn(`remote.int.test.ts: SKIPPED, no real sshd to test against: ${missing}`);

// The pid in the run's name lets a later run tell a crashed run's leftovers from a live one's.
const run = `${process.pid}-${randomBytes(3).toString('hex')}`;
const LABELS = { 'flotilla.test': 'remote', 'flotilla.test.run': run };
const IMAGE = `flotilla-test/remote-busybox:${run}`;
const BUILT = `flotilla-test/remote-built:${run}`;
const local = new Docker();
const timings: string[] = [];

let sshd: TestSshd;
let dataDir: string;
let knownHosts: KnownHosts;
const clients: Client[] = [];

const endpoint = (over: Partial<SshEndpointInput> = {}): SshEndpoint =>
  SshEndpointSchema.parse({
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    identityFile: sshd.clientKey,
    ...over,
  });

async function connect(ep: SshEndpoint, opts: Partial<Parameters<typeof connectSsh>[1]> = {}) {
  const conn = await connectSsh(ep, { knownHosts, ...opts });
  clients.push(conn.client);
  return conn;
}

/** The ApiError a promise rejects with. */
async function refusal(work: Promise<unknown>): Promise<ApiError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

const hostKeyOf = (err: ApiError) => (err.details as { hostKey: HostKeyFacts }).hostKey;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (t0: number) => Math.round(performance.now() - t0);

/** Drives an exec (container or host) to its end, collecting its output. */
function drive(start: (on: ExecEvents) => Promise<RunningExec>) {
  const out = { stdout: '', stderr: '' };
  let exec!: Promise<RunningExec>;
  const ended = new Promise<number>((resolve, reject) => {
    exec = start({
      started: () => undefined,
      output: (stream, data) => (out[stream] += data.toString()),
      exit: resolve,
      error: reject,
    });
  });
  return { out, exec, ended };
}

const until = async (what: () => boolean, timeoutMs: number) => {
  const t0 = Date.now();
  while (!what()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.skipIf(missing)('remote machines against a real sshd and the real Docker engine', () => {
  beforeAll(async () => {
    await sweepCrashedRuns();
    sshd = await TestSshd.start();
    // Inside the server's temp dir: a crashed run's goes with it.
    dataDir = join(sshd.dir, 'flotilla-data');
    knownHosts = new KnownHosts(join(dataDir, 'data', 'known_hosts'));
  });

  afterAll(async () => {
    for (const c of clients) c.end();
    const mine = { label: [`flotilla.test.run=${run}`] };
    for (const c of await local.listContainers({ all: true, filters: mine }))
      await local.getContainer(c.Id).remove({ force: true });
    for (const n of await local.listNetworks({ filters: mine })) await local.getNetwork(n.Id).remove();
    for (const tag of [BUILT, IMAGE])
      await local
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
    await sshd?.dispose();
    console.log(`remote.int.test.ts timings:\n  ${timings.join('\n  ')}`);
  });

  describe('host keys', () => {
    it('refuses an unknown key, showing the fingerprint ssh-keygen -lf prints and how to accept it', async () => {
      const fp = sshd.hostFingerprint();
      const err = await refusal(connectSsh(endpoint(), { knownHosts }));
      expect(err.code).toBe('CONFLICT');
      expect(err.message).toContain(`ssh-ed25519 key ${fp}`);
      expect(err.message).toContain(`re-run with --accept-fingerprint ${fp}`);
      expect(err.hint).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
      expect(hostKeyOf(err)).toMatchObject({
        status: 'unknown',
        fingerprint: fp,
        keyType: 'ssh-ed25519',
        hostPattern: `[127.0.0.1]:${sshd.port}`,
      });
      expect(existsSync(knownHosts.file)).toBe(false);
    });

    it('probes an unknown key without throwing, and Docker only once the key is accepted; writes nothing', async () => {
      const fp = sshd.hostFingerprint();
      const unknown = await probeRemoteHost(endpoint(), { knownHosts });
      expect(unknown).toEqual({ hostKey: expect.objectContaining({ status: 'unknown', fingerprint: fp }) });
      const accepted = await probeRemoteHost(endpoint(), { knownHosts, acceptFingerprint: fp });
      const engine = await local.version();
      expect(accepted.hostKey.status).toBe('unknown');
      expect(accepted.docker).toMatchObject({ ok: true, version: engine.Version, arch: expect.any(String) });
      expect(accepted.hostname).toBe(hostname());
      expect(existsSync(knownHosts.file)).toBe(false);
    });

    it('refuses when the accepted fingerprint is not the one the host shows, saying so', async () => {
      const other = `SHA256:${'A'.repeat(43)}`;
      const err = await refusal(connectSsh(endpoint(), { knownHosts, acceptFingerprint: other }));
      expect(err.code).toBe('CONFLICT');
      expect(err.message).toContain(
        `is ssh-ed25519 ${sshd.hostFingerprint()}, not the ${other} that was accepted`,
      );
      expect(existsSync(knownHosts.file)).toBe(false);
    });

    it('trusts the accepted key after logging in: known_hosts gets a line OpenSSH itself reads', async () => {
      const fp = sshd.hostFingerprint();
      let t0 = performance.now();
      const first = await connect(endpoint(), { acceptFingerprint: fp });
      timings.push(`connect + accept + write known_hosts: ${ms(t0)} ms`);
      expect(first.hostKey).toMatchObject({ status: 'known', fingerprint: fp });
      first.client.end();
      const text = await readFile(knownHosts.file, 'utf8');
      expect(text).toBe(
        `[127.0.0.1]:${sshd.port} ${readFileSync(sshd.hostKeyPub, 'utf8').split(' ').slice(0, 2).join(' ')}\n`,
      );
      expect((await stat(knownHosts.file)).mode & 0o777).toBe(0o600);
      expect((await stat(join(dataDir, 'data'))).mode & 0o777).toBe(0o700);
      // OpenSSH's own client, strict about host keys, trusts the host through this file.
      execFileSync('ssh', [
        ...[
          '-o',
          'BatchMode=yes',
          '-o',
          'StrictHostKeyChecking=yes',
          '-o',
          `UserKnownHostsFile=${knownHosts.file}`,
        ],
        ...['-i', sshd.clientKey, '-p', String(sshd.port), `${sshd.user}@127.0.0.1`, 'true'],
      ]);
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        t0 = performance.now();
        const again = await connect(endpoint());
        times.push(ms(t0));
        expect(again.hostKey.status).toBe('known');
        again.client.end();
      }
      timings.push(
        `connect to a known host (key file auth): median ${median(times)} ms of ${times.join(', ')}`,
      );
    });

    it('asks for the key type known_hosts has: a host key of another type does not look changed', async () => {
      const ecdsaOnly = new KnownHosts(join(dataDir, 'ecdsa-only'));
      const blob = Buffer.from(readFileSync(sshd.ecdsaHostKeyPub, 'utf8').split(' ')[1]!, 'base64');
      await ecdsaOnly.add('127.0.0.1', sshd.port, blob);
      const conn = await connect(endpoint(), { knownHosts: ecdsaOnly });
      expect(conn.hostKey).toMatchObject({ status: 'known', keyType: 'ecdsa-sha2-nistp256' });
      conn.client.end();
    });

    it('refuses a changed key loudly — even with the new fingerprint accepted — until it is forgotten', async () => {
      const oldFp = sshd.hostFingerprint();
      await sshd.replaceHostKey();
      const newFp = sshd.hostFingerprint();
      for (const accept of [undefined, newFp]) {
        const err = await refusal(
          connectSsh(endpoint(), { knownHosts, ...(accept ? { acceptFingerprint: accept } : {}) }),
        );
        expect(err.code).toBe('CONFLICT');
        expect(err.message).toContain(
          `REMOTE HOST IDENTIFICATION HAS CHANGED for ${sshd.user}@127.0.0.1:${sshd.port}`,
        );
        expect(err.message).toContain('man-in-the-middle');
        expect(err.message).toContain(
          `now presents ssh-ed25519 key ${newFp}; ${knownHosts.file} line 1 has ${oldFp}`,
        );
        expect(err.hint).toContain(`flotctl machine forget-host-key 127.0.0.1:${sshd.port}`);
        expect(hostKeyOf(err)).toMatchObject({
          status: 'changed',
          knownFingerprint: oldFp,
          knownHostsLine: 1,
        });
      }
      const probed = await probeRemoteHost(endpoint(), { knownHosts });
      expect(probed).toEqual({ hostKey: expect.objectContaining({ status: 'changed', fingerprint: newFp }) });

      expect(await knownHosts.forget('127.0.0.1', sshd.port)).toBe(1);
      const back = await connect(endpoint(), { acceptFingerprint: newFp });
      expect(back.hostKey.fingerprint).toBe(newFp);
      back.client.end();
    });
  });

  describe('authentication and reachability', () => {
    it('names the refused key and where its public half must go', async () => {
      const err = await refusal(connectSsh(endpoint({ identityFile: sshd.strangerKey }), { knownHosts }));
      expect(err.code).toBe('UNAUTHORIZED');
      expect(err.message).toMatch(
        new RegExp(
          `^${sshd.user}@127\\.0\\.0\\.1:${sshd.port} refused the key ${sshd.strangerKey} \\(ssh-ed25519 SHA256:`,
        ),
      );
      const pub = readFileSync(`${sshd.strangerKey}.pub`, 'utf8').trim();
      expect(err.hint).toBe(
        `The key was refused: add its public key to ~${sshd.user}/.ssh/authorized_keys on 127.0.0.1: ${pub}`,
      );
    });

    it('says clearly when an encrypted key file lacks its passphrase or has a wrong one', async () => {
      const file = sshd.encryptedKey;
      const none = await refusal(connectSsh(endpoint({ identityFile: file }), { knownHosts }));
      expect(none.message).toBe(`The identity file ${file} is encrypted and no passphrase was given.`);
      const wrong = await refusal(
        connectSsh(endpoint({ identityFile: file, passphrase: 'nope' }), { knownHosts }),
      );
      expect(wrong.message).toBe(`Wrong passphrase for the identity file ${file}.`);
      const absent = await refusal(connectSsh(endpoint({ identityFile: `${file}-absent` }), { knownHosts }));
      expect(absent.message).toBe(`Cannot read the identity file ${file}-absent: it does not exist`);
      const ok = await connect(endpoint({ identityFile: file, passphrase: ENCRYPTED_KEY_PASSPHRASE }));
      ok.client.end();
    });

    it('logs in with the ssh-agent when no key file is given, and says what to do without one', async () => {
      const saved = process.env.SSH_AUTH_SOCK;
      const socket = join(sshd.dir, 'agent.sock');
      const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
      try {
        delete process.env.SSH_AUTH_SOCK;
        const none = await refusal(connectSsh(endpoint({ identityFile: undefined }), { knownHosts }));
        expect(none.code).toBe('BAD_REQUEST');
        expect(none.message).toContain('SSH_AUTH_SOCK is not set');
        expect(none.hint).toContain('Give --identity');
        process.env.SSH_AUTH_SOCK = join(sshd.dir, 'no-agent.sock');
        const dead = await refusal(connectSsh(endpoint({ identityFile: undefined }), { knownHosts }));
        expect(dead.message).toMatch(/^The ssh-agent at .*no-agent\.sock did not answer/);
        await until(() => existsSync(socket), 5_000);
        process.env.SSH_AUTH_SOCK = socket;
        const empty = await refusal(connectSsh(endpoint({ identityFile: undefined }), { knownHosts }));
        expect(empty.code).toBe('UNAUTHORIZED');
        expect(empty.message).toBe(
          `${sshd.user}@127.0.0.1:${sshd.port} refused the keys of the ssh-agent at ${socket}.`,
        );
        execFileSync('ssh-add', ['-q', sshd.clientKey], {
          env: { ...process.env, SSH_AUTH_SOCK: socket },
          stdio: 'ignore',
        });
        const viaAgent = await connect(endpoint({ identityFile: undefined }));
        expect(viaAgent.hostKey.status).toBe('known');
        viaAgent.client.end();
      } finally {
        if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
        else process.env.SSH_AUTH_SOCK = saved;
        agent.kill();
      }
    });

    it('reports a closed port, a silent server and a non-SSH server each for what they are', async () => {
      const silent = await listen(() => undefined);
      const rude = await listen((s) => s.destroy());
      const silentPort = (silent.address() as { port: number }).port;
      try {
        const refused = await refusal(connectSsh(endpoint({ port: 1 }), { knownHosts }));
        expect(refused.code).toBe('ENGINE_UNAVAILABLE');
        expect(refused.message).toBe('No SSH server is listening at 127.0.0.1:1 (connection refused).');
        expect(refused.hint).toContain('sshd runs on 127.0.0.1');
        const quiet = await refusal(
          connectSsh(endpoint({ port: silentPort }), { knownHosts, readyTimeoutMs: 800 }),
        );
        expect(quiet.message).toBe(
          `127.0.0.1:${silentPort} accepted the connection but no SSH login completed within 0.8 s.`,
        );
        const rudePort = (rude.address() as { port: number }).port;
        const hungUp = await refusal(connectSsh(endpoint({ port: rudePort }), { knownHosts }));
        expect(hungUp.message).toBe(`127.0.0.1:${rudePort} closed the connection before the SSH handshake.`);
      } finally {
        silent.close();
        rude.close();
      }
    });
    it('reports a handshake with no algorithm in common', async () => {
      // Post-quantum key exchange only: ssh2 implements none of those.
      await sshd.reconfigure({ KexAlgorithms: 'sntrup761x25519-sha512@openssh.com' });
      try {
        const err = await refusal(connectSsh(endpoint(), { knownHosts }));
        expect(err.code).toBe('ENGINE_UNAVAILABLE');
        expect(err.message).toBe(
          `The SSH handshake with ${sshd.user}@127.0.0.1:${sshd.port} failed: Handshake failed: no matching key exchange algorithm`,
        );
        expect(err.hint).toContain('KexAlgorithms');
      } finally {
        await sshd.reconfigure({});
      }
    });
  });

  describe('jump host', () => {
    it('reaches the target through the jump host, its key checked (and accepted) on its own', async () => {
      const fp = sshd.hostFingerprint();
      const ep = endpoint({ host: 'localhost', jump: { host: sshd.host, port: sshd.port, user: sshd.user } });
      const err = await refusal(connectSsh(ep, { knownHosts }));
      expect(hostKeyOf(err)).toMatchObject({
        status: 'unknown',
        hostPattern: `[localhost]:${sshd.port}`,
        fingerprint: fp,
      });
      const { client } = await connect(ep, { acceptFingerprint: fp });
      expect((await runCommand(client, ['uname', '-n'])).stdout.trim()).toBe(hostname());
      client.end();
      expect(await readFile(knownHosts.file, 'utf8')).toContain(`[localhost]:${sshd.port} ssh-ed25519 `);
    });

    it('refuses an unknown jump host key: --accept-fingerprint is for the target only', async () => {
      const fp = sshd.hostFingerprint();
      const onlyTarget = new KnownHosts(join(dataDir, 'only-target'));
      await onlyTarget.add(
        'localhost',
        sshd.port,
        Buffer.from(readFileSync(sshd.hostKeyPub, 'utf8').split(' ')[1]!, 'base64'),
      );
      const ep = endpoint({ host: 'localhost', jump: { host: sshd.host, port: sshd.port, user: sshd.user } });
      const err = await refusal(connectSsh(ep, { knownHosts: onlyTarget, acceptFingerprint: fp }));
      expect(err.code).toBe('CONFLICT');
      expect(err.message).toContain(
        `The host key of the jump host ${sshd.user}@127.0.0.1:${sshd.port} is not known: ssh-ed25519 key ${fp}`,
      );
      expect(err.message).toContain('--accept-fingerprint applies only to the target');
      expect(err.hint).toContain(
        `add this line to ${onlyTarget.file}: [127.0.0.1]:${sshd.port} ssh-ed25519 AAAA`,
      );
    });
  });

  describe('Docker over SSH', () => {
    let client: Client;
    let docker: Docker;
    beforeAll(async () => {
      client = (await connect(endpoint())).client;
      docker = dockerOverSsh(client, '/var/run/docker.sock');
    });

    it('pings and reports the same engine as the local socket; timing of both', async () => {
      expect(String(await docker.ping())).toBe('OK');
      expect((await docker.version()).Version).toBe((await local.version()).Version);
      expect((await docker.info()).ID).toBe((await local.info()).ID);
      const overSsh: number[] = [];
      const direct: number[] = [];
      for (let i = 0; i < 30; i++) {
        let t0 = performance.now();
        await docker.ping();
        overSsh.push(performance.now() - t0);
        t0 = performance.now();
        await local.ping();
        direct.push(performance.now() - t0);
      }
      timings.push(
        `docker ping: over ssh median ${median(overSsh).toFixed(2)} ms, local socket median ${median(direct).toFixed(2)} ms (30 each)`,
      );
    });

    it('keeps the agent out of docker-modem’s per-request inspect of its options', async () => {
      // docker-modem inspects every request's options (the agent among them) with depth: null,
      // debug logging on or not: the ssh2 client and its channels must not be walked each time.
      const events = await Promise.all([docker.getEvents(), docker.getEvents()]);
      try {
        const shown = inspect(
          { agent: (docker.modem as unknown as { agent: unknown }).agent },
          {
            showHidden: true,
            depth: null,
          },
        );
        expect(shown).toBe('{ agent: SshDockerAgent(/var/run/docker.sock) }');
      } finally {
        for (const e of events) (e as unknown as { destroy(): void }).destroy();
      }
    });

    it('carries many requests at once, each on its own channel of the one connection', async () => {
      const t0 = performance.now();
      const answers = await Promise.all(Array.from({ length: 40 }, () => docker.ping()));
      timings.push(`40 concurrent pings over one ssh connection: ${ms(t0)} ms`);
      expect(answers.map(String)).toEqual(Array(40).fill('OK'));
    });

    it('builds an image from a tar context (busybox seeding, then a build FROM it) and lists it', async () => {
      const seeded = await seedBusybox(docker, SILENT_TASK, { tag: IMAGE, offline: true });
      expect(seeded.source).toBe('built');
      const tar = pack();
      tar.entry(
        { name: 'Dockerfile' },
        `FROM ${IMAGE}\nRUN echo built-over-ssh > /built.txt\nLABEL flotilla.test=remote\n`,
      );
      tar.finalize();
      const stream = (await docker.buildImage(tar as unknown as NodeJS.ReadableStream, {
        t: BUILT,
        networkmode: 'none',
      })) as Readable;
      await followBuild(docker, stream, SILENT_TASK);
      const images = await docker.listImages({ filters: { reference: [BUILT] } });
      expect(images).toHaveLength(1);
      expect((await local.getImage(BUILT).inspect()).Config.Labels).toMatchObject({
        'flotilla.test': 'remote',
      });
    });

    it('creates, starts, follows the logs of, waits for and removes a container', async () => {
      const c = await docker.createContainer({
        Image: BUILT,
        Cmd: ['sh', '-c', 'cat /built.txt; for i in 1 2 3; do echo line$i; sleep 0.2; done; exit 7'],
        Labels: LABELS,
      });
      await c.start();
      const logs = (await c.logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
      const lines: string[] = [];
      const sink = new PassThrough();
      sink.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
      docker.modem.demuxStream(logs, sink, sink);
      const [waited] = await Promise.all([c.wait(), new Promise((r) => logs.on('end', r))]);
      expect(waited.StatusCode).toBe(7);
      expect(lines).toEqual(['built-over-ssh', 'line1', 'line2', 'line3']);
      const listed = await docker.listContainers({
        all: true,
        filters: { label: [`flotilla.test.run=${run}`] },
      });
      expect(listed.map((x) => x.Id)).toContain(c.id);
      await c.remove();
      await expect(local.getContainer(c.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    });

    it("runs Flotilla's own container shell exec over it: hijacked attach with stdin and EOF", async () => {
      const c = await docker.createContainer({ Image: IMAGE, Cmd: ['sleep', '300'], Labels: LABELS });
      await c.start();
      const target = {
        kind: 'container' as const,
        docker,
        container: c.id,
        description: 'remote test container',
      };
      const { out, exec, ended } = drive((on) =>
        startExec(
          target,
          { command: ['sh', '-c', 'cat; echo done >&2'], tty: false, cols: 80, rows: 24 },
          on,
        ),
      );
      const running = await exec;
      running.write(Buffer.from('hello over ssh\n'));
      running.endInput();
      expect(await ended).toBe(0);
      expect(out).toEqual({ stdout: 'hello over ssh\n', stderr: 'done\n' });
      await c.kill();
      expect((await c.inspect()).State.Running).toBe(false);
    });

    it('puts an archive into a container and gets it back', async () => {
      const c = await docker.createContainer({ Image: IMAGE, Cmd: ['true'], Labels: LABELS });
      const tar = pack();
      tar.entry({ name: 'greeting.txt' }, 'hello through putArchive\n');
      tar.finalize();
      await c.putArchive(tar as unknown as NodeJS.ReadableStream, { path: '/' });
      const archive = (await c.getArchive({ path: '/greeting.txt' })) as unknown as Readable;
      const files = await untar(archive);
      expect(files).toEqual({ 'greeting.txt': 'hello through putArchive\n' });
      await c.remove();
    });

    it('creates, lists and removes a network; stops a running container', async () => {
      const net = await docker.createNetwork({ Name: `flotilla-test-remote-${run}`, Labels: LABELS });
      const nets = await docker.listNetworks({ filters: { label: [`flotilla.test.run=${run}`] } });
      expect(nets.map((n) => n.Id)).toEqual([net.id]);
      const c = await docker.createContainer({
        Image: IMAGE,
        Cmd: ['sleep', '300'],
        Labels: LABELS,
        HostConfig: { NetworkMode: `flotilla-test-remote-${run}` },
      });
      await c.start();
      await c.stop({ t: 1 });
      expect((await c.inspect()).State.Running).toBe(false);
      await c.remove();
      await net.remove();
    });

    it('checks Docker: version and platform when usable, and what is missing when not', async () => {
      const engine = await local.info();
      expect(await checkRemoteDocker(client, endpoint())).toEqual({
        ok: true,
        version: (await local.version()).Version,
        os: engine.OperatingSystem,
        arch: engine.Architecture,
      });
      const facts = await checkRemoteDocker(client, endpoint({ dockerSocket: '/nonexistent/docker.sock' }));
      expect(facts.ok).toBe(false);
      expect(facts.problem).toEqual({
        message:
          "There is no Docker socket at /nonexistent/docker.sock on 127.0.0.1; the engine's socket there is /var/run/docker.sock.",
        hint: "Give /var/run/docker.sock as the machine's Docker socket.",
      });
    });

    it('falls back to docker system dial-stdio when sshd refuses stream-local forwarding', async () => {
      await sshd.reconfigure({ AllowStreamLocalForwarding: 'no' });
      try {
        const refusing = (await connect(endpoint())).client;
        const viaCli = dockerOverSsh(refusing, '/var/run/docker.sock');
        expect(String(await viaCli.ping())).toBe('OK');
        const times: number[] = [];
        for (let i = 0; i < 10; i++) {
          const t0 = performance.now();
          await viaCli.ping();
          times.push(performance.now() - t0);
        }
        timings.push(`docker ping via dial-stdio fallback: median ${median(times).toFixed(1)} ms`);
        const c = await viaCli.createContainer({ Image: IMAGE, Cmd: ['sleep', '300'], Labels: LABELS });
        await c.start();
        const target = {
          kind: 'container' as const,
          docker: viaCli,
          container: c.id,
          description: 'fallback',
        };
        const { out, exec, ended } = drive((on) =>
          startExec(target, { command: ['cat'], tty: false, cols: 80, rows: 24 }, on),
        );
        const running = await exec;
        running.write(Buffer.from('relayed by the docker CLI\n'));
        running.endInput();
        expect(await ended).toBe(0);
        expect(out.stdout).toBe('relayed by the docker CLI\n');
        await c.remove({ force: true });
        refusing.end();
      } finally {
        await sshd.reconfigure({});
      }
    });
    it('says what to change when forwarding is refused and the host has no docker CLI to relay', async () => {
      // Without a PATH the host's shell finds no docker CLI: the fallback has nothing to run.
      await sshd.reconfigure({ AllowStreamLocalForwarding: 'no', SetEnv: 'PATH=/nonexistent' });
      try {
        const refusing = (await connect(endpoint())).client;
        const err = await dockerOverSsh(refusing, '/var/run/docker.sock')
          .ping()
          .then(
            () => undefined,
            (e: Error) => e,
          );
        expect(err?.message).toMatch(
          /^Cannot reach the Docker socket \/var\/run\/docker\.sock over SSH: forwarding to it failed \(open failed\) and docker system dial-stdio failed \(.*docker: not found\)$/,
        );
        const facts = await checkRemoteDocker(refusing, endpoint());
        expect(facts).toEqual({
          ok: false,
          problem: {
            message:
              'sshd on 127.0.0.1 refuses to forward the Docker socket (stream-local forwarding), and there is no docker CLI there to relay instead.',
            hint: 'In /etc/ssh/sshd_config on 127.0.0.1 set AllowStreamLocalForwarding yes, then sudo systemctl reload ssh — or install the docker CLI there.',
          },
        });
        refusing.end();
      } finally {
        await sshd.reconfigure({});
      }
    });
  });

  describe('processes on the host (shell sessions)', () => {
    let client: Client;
    beforeAll(async () => {
      client = (await connect(endpoint())).client;
    });

    it('runs `echo hi; exit 3` in a terminal: output and exit code', async () => {
      const { out, ended } = drive((on) =>
        startSshExec(client, { command: ['sh', '-c', 'echo hi; exit 3'], tty: true, cols: 80, rows: 24 }, on),
      );
      expect(await ended).toBe(3);
      expect(out.stdout).toBe('hi\r\n');
    });

    it('passes arguments through the remote shell untouched', async () => {
      const args = ['a b', "it's", '$HOME', '`id`', ';', '*'];
      const { out, ended } = drive((on) =>
        startSshExec(client, { command: ['printf', '%s|', ...args], tty: false, cols: 80, rows: 24 }, on),
      );
      expect(await ended).toBe(0);
      expect(out.stdout).toBe(args.map((a) => `${a}|`).join(''));
    });

    it('feeds stdin and ends it; sizes and resizes the terminal', async () => {
      const cat = drive((on) =>
        startSshExec(client, { command: ['cat'], tty: false, cols: 80, rows: 24 }, on),
      );
      const running = await cat.exec;
      running.write(Buffer.from('abc'));
      running.endInput();
      expect(await cat.ended).toBe(0);
      expect(cat.out.stdout).toBe('abc');

      const sized = drive((on) =>
        startSshExec(
          client,
          { command: ['sh', '-c', 'stty size; read x; stty size'], tty: true, cols: 100, rows: 30 },
          on,
        ),
      );
      const term = await sized.exec;
      await until(() => sized.out.stdout.includes('30 100'), 5_000);
      term.resize(120, 40);
      term.write(Buffer.from('\n'));
      expect(await sized.ended).toBe(0);
      expect(sized.out.stdout).toMatch(/30 100\r\n.*40 120\r\n/s);
    });

    it('kills the process and what it started', async () => {
      const marker = String(3000 + Math.floor(Math.random() * 1000));
      const { exec } = drive((on) =>
        startSshExec(
          client,
          {
            command: ['sh', '-c', `sleep ${marker} & sleep ${marker}; wait`],
            tty: false,
            cols: 80,
            rows: 24,
          },
          on,
        ),
      );
      const running = await exec;
      await until(() => sleepers(marker) === 2, 5_000);
      await running.kill();
      await until(() => sleepers(marker) === 0, 5_000);
    });
  });

  describe('RemoteLink', () => {
    it('notices a stopped sshd at once and a frozen one by keepalives, and comes back after a backoff', async () => {
      const ups: number[] = [];
      const downs: Array<{ at: number; reason: string }> = [];
      const link = new RemoteLink({
        endpoint: endpoint(),
        knownHosts,
        onUp: () => ups.push(performance.now()),
        onDown: (reason) => downs.push({ at: performance.now(), reason }),
      });
      try {
        await link.start();
        expect(link.state()).toEqual({
          address: `${sshd.user}@127.0.0.1:${sshd.port}`,
          state: 'connected',
          fingerprint: sshd.hostFingerprint(),
        });
        expect(String(await link.docker().ping())).toBe('OK');

        let t0 = performance.now();
        await sshd.stop();
        await until(() => downs.length === 1, 5_000);
        timings.push(`RemoteLink: sshd killed → down after ${Math.round(downs[0]!.at - t0)} ms`);
        expect(() => link.docker()).toThrow(/is lost/);
        // Attempts while sshd is away: each retryAt further off than the last (0.5, 1, 2 s, jittered).
        const waits: number[] = [];
        let last: number | undefined;
        await until(() => {
          const { state, retryAt } = link.state();
          expect(state).toBe('lost');
          if (retryAt !== undefined && retryAt !== last) waits.push(retryAt - Date.now());
          last = retryAt ?? last;
          return waits.length === 3;
        }, 5_000);
        expect(waits[0]).toBeLessThanOrEqual(500);
        expect(waits[1]).toBeGreaterThan(750);
        expect(waits[2]).toBeGreaterThan(1_500);
        const back = performance.now();
        await sshd.resume();
        await until(() => ups.length === 2, 10_000);
        timings.push(
          `RemoteLink: sshd back → up again ${Math.round(ups[1]! - back)} ms later, at the retry then due ` +
            `(backoff waits seen while away: ${waits.map(Math.round).join(', ')} ms)`,
        );
        expect(String(await link.docker().ping())).toBe('OK');

        t0 = performance.now();
        sshd.freeze();
        await until(() => downs.length === 2, 8_000);
        const detection = Math.round(downs[1]!.at - t0);
        timings.push(`RemoteLink: sshd frozen (no packets) → down by keepalive after ${detection} ms`);
        expect(detection).toBeLessThan(6_000);
        expect(downs[1]!.reason).toContain('no answer to 3 keepalives');
        await sshd.stop();
        await sshd.resume();
        await until(() => ups.length === 3, 10_000);
      } finally {
        await link.close();
      }
    });

    it('stays lost with the warning when the host key changed while it was away', async () => {
      let down = false;
      const link = new RemoteLink({ endpoint: endpoint(), knownHosts, onDown: () => (down = true) });
      try {
        await link.start();
        await sshd.replaceHostKey();
        await until(
          () => down && link.state().problem?.includes('REMOTE HOST IDENTIFICATION HAS CHANGED') === true,
          10_000,
        );
        expect(link.state().retryAt).toBeUndefined();
        await new Promise((r) => setTimeout(r, 1_500));
        expect(link.state().state).toBe('lost');
      } finally {
        await link.close();
      }
    });
  });
});

/** Containers, networks and images of runs whose process is gone (they crashed before afterAll). */
async function sweepCrashedRuns(): Promise<void> {
  const crashed = (runId: string | undefined) => {
    const pid = Number(runId?.split('-')[0]);
    return pid > 0 && !isAlive(pid);
  };
  const ours = { label: ['flotilla.test=remote'] };
  for (const c of await local.listContainers({ all: true, filters: ours }))
    if (crashed(c.Labels['flotilla.test.run'])) await local.getContainer(c.Id).remove({ force: true });
  for (const n of await local.listNetworks({ filters: ours }))
    if (crashed(n.Labels?.['flotilla.test.run'])) await local.getNetwork(n.Id).remove();
  for (const image of await local.listImages({ filters: { reference: ['flotilla-test/remote-*'] } }))
    for (const tag of image.RepoTags ?? [])
      if (crashed(tag.split(':')[1]))
        await local
          .getImage(tag)
          .remove({ force: true })
          .catch(() => undefined);
}

function listen(onConnection: (s: Socket) => void): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer(onConnection);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function untar(stream: Readable): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const ex = extract();
  ex.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (c) => chunks.push(c as Buffer));
    body.on('end', () => {
      files[header.name] = Buffer.concat(chunks).toString();
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', () => resolve());
    ex.on('error', reject);
    stream.pipe(ex);
  });
  return files;
}

/** How many `sleep <marker>` processes run on this computer (the SSH host is this computer). */
function sleepers(marker: string): number {
  let n = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (cmd === `sleep\0${marker}\0` && !/\) Z /.test(state)) n++;
    } catch {
      // Gone meanwhile.
    }
  }
  return n;
}
