import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshEndpointSchema } from '../../shared/api';
import { DIAGNOSIS, explainDockerProblem, parseFindings, type HostFindings } from './docker-check';
import { SshDockerDialError } from './docker-over-ssh';

const endpoint = (dockerSocket = '/var/run/docker.sock') =>
  SshEndpointSchema.parse({ host: 'build.example', user: 'core', dockerSocket });

const healthy: HostFindings = {
  socket: 'yes',
  access: true,
  cli: true,
  engineInstalled: true,
  engineRunning: true,
  defaultSocket: '/var/run/docker.sock',
};

describe('the diagnosis script, run by the real /bin/sh', () => {
  let dir: string;
  let server: Server;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-docker-check-'));
    server = createServer();
    await new Promise<void>((r) => server.listen(join(dir, 'engine.sock'), r));
    await writeFile(join(dir, 'plain-file'), '');
  });
  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  // The path goes in on stdin, as over SSH: a hostile one is only ever data.
  const diagnose = (socket: string) =>
    parseFindings(execFileSync('/bin/sh', ['-c', DIAGNOSIS], { input: `${socket}\n`, encoding: 'utf8' }));

  it('tells a socket, another file and nothing apart', () => {
    expect(diagnose(join(dir, 'engine.sock'))).toMatchObject({ socket: 'yes', access: true });
    expect(diagnose(join(dir, 'plain-file'))).toMatchObject({ socket: 'other' });
    expect(diagnose(join(dir, 'absent.sock'))).toMatchObject({ socket: 'missing', access: false });
    expect(diagnose(`${dir}/x'; touch ${dir}/pwned; echo '`)).toMatchObject({ socket: 'missing' });
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  // Root may use any socket whatever its mode: only another user can see this.
  const asRoot = process.getuid?.() === 0;
  if (asRoot)
    console.warn('docker-check.test.ts: "a socket its user may not use" skipped: root may use any socket');
  it.skipIf(asRoot)('sees a socket its user may not use', async () => {
    await chmod(join(dir, 'engine.sock'), 0o000);
    expect(diagnose(join(dir, 'engine.sock'))).toMatchObject({ socket: 'yes', access: false });
    await chmod(join(dir, 'engine.sock'), 0o600);
  });
});

describe('what is missing for Docker on a host', () => {
  const explain = (f: Partial<HostFindings>, err: unknown = new Error('boom'), sock?: string) =>
    explainDockerProblem({ ...healthy, ...f }, err, endpoint(sock));

  it('no engine installed', () => {
    const p = explain({ socket: 'missing', engineInstalled: false, cli: false, engineRunning: false });
    expect(p.message).toBe('Docker is not installed on build.example.');
    expect(p.hint).toContain('sudo apt-get install docker.io');
    expect(p.hint).toContain('Docker CE');
  });

  it('installed but not running', () => {
    const p = explain({ socket: 'missing', engineRunning: false, defaultSocket: undefined });
    expect(p.message).toBe(
      'Docker is installed on build.example but not running (there is no socket at /var/run/docker.sock).',
    );
    expect(p.hint).toContain('sudo systemctl start docker');
    const stale = explain({ engineRunning: false });
    expect(stale.message).toBe(
      'The Docker socket /var/run/docker.sock exists on build.example, but the engine is not running.',
    );
  });

  it('a socket elsewhere than the one given', () => {
    const p = explain({ socket: 'missing' }, undefined, '/run/user/1000/docker.sock');
    expect(p.message).toBe(
      "There is no Docker socket at /run/user/1000/docker.sock on build.example; the engine's socket there is /var/run/docker.sock.",
    );
  });

  it('permission denied on the socket', () => {
    const p = explain({ access: false });
    expect(p.message).toBe(
      'core on build.example may not use the Docker socket /var/run/docker.sock (permission denied).',
    );
    expect(p.hint).toBe(
      'On build.example: sudo usermod -aG docker core, then reconnect (a new login picks up the group).',
    );
  });

  it('forwarding refused and no docker CLI to fall back on', () => {
    const err = new SshDockerDialError('/var/run/docker.sock', 'open failed', 'sh: 1: docker: not found');
    const p = explain({ cli: false }, err);
    expect(p.message).toContain('sshd on build.example refuses to forward the Docker socket');
    expect(p.hint).toContain('AllowStreamLocalForwarding yes');
  });

  it('anything else: what the engine said', () => {
    expect(explain({}, new Error('(HTTP code 500) server error')).message).toBe(
      'Docker on build.example did not answer: (HTTP code 500) server error',
    );
  });
});
