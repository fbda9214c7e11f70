import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api';
import { withDefaultSuffix } from '../../shared/units';
import { runCli } from './commands';
import { UnitArgError, getUnitFile, unitNameMangle, type FleetCall } from './unit-args';

// Name resolution against real temp files. The registry side of these flows (templates from the
// registry, submit outcomes, blocking, messages) runs against a real cluster in
// walkthrough.int.test.ts; here the registry is empty: every lookup answers NOT_FOUND, as a fresh
// cluster's API does.
const noRegistry: FleetCall = async (method, params) => {
  throw new ApiError('NOT_FOUND', `${method}: ${JSON.stringify(params)} not found (empty registry)`);
};

const HELLO = `[Unit]
Description=Hello World

[Service]
ExecStart=/usr/bin/docker run busybox /bin/sh -c "while true; do echo Hello World; sleep 1; done"
`;
const TEMPLATE = `[Unit]
Description=Web %i

[Service]
ExecStart=/usr/bin/docker run busybox httpd -f -p 80%i
`;

let dir = '';
let err: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotctl-units-'));
  err = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('unit names', () => {
  it('adds .service when there is no unit suffix, keeps recognised ones', () => {
    expect(unitNameMangle('hello')).toBe('hello.service');
    expect(unitNameMangle('hello.service')).toBe('hello.service');
    expect(unitNameMangle('db.socket')).toBe('db.socket');
    expect(unitNameMangle('backup.timer')).toBe('backup.timer');
    expect(unitNameMangle('app.v2')).toBe('app.v2.service');
    expect(unitNameMangle('hello@1')).toBe('hello@1.service');
  });

  it('names a path argument by its basename', () => {
    expect(unitNameMangle('/home/core/hello.service')).toBe('hello.service');
    expect(unitNameMangle('./units/hello')).toBe('hello.service');
    expect(withDefaultSuffix('./units/hello')).toBe('./units/hello.service');
  });
});

describe('finding a unit file (getUnitFile)', () => {
  const io = () => ({ out: () => undefined, err: (l: string) => err.push(l) });

  it('reads a path argument, relative or absolute, and a bare name in the working dir', async () => {
    await mkdir(join(dir, 'units'));
    await writeFile(join(dir, 'units', 'hello.service'), HELLO);
    const opts = { cwd: dir, replace: false };
    expect(await getUnitFile(noRegistry, './units/hello.service', opts, io())).toEqual({
      content: HELLO,
      source: { kind: 'file', path: './units/hello.service' },
    });
    expect((await getUnitFile(noRegistry, join(dir, 'units', 'hello'), opts, io())).content).toBe(HELLO);
    await writeFile(join(dir, 'bare.service'), 'x');
    expect((await getUnitFile(noRegistry, 'bare', opts, io())).content).toBe('x');
  });

  it('falls back to the template beside the argument', async () => {
    await mkdir(join(dir, 'u'));
    await writeFile(join(dir, 'u', 'web@.service'), TEMPLATE);
    const f = await getUnitFile(noRegistry, 'u/web@2', { cwd: dir, replace: false }, io());
    expect(f).toEqual({ content: TEMPLATE, source: { kind: 'local-template', path: 'u/web@.service' } });
  });

  it('fails as fleetctl does when nothing is found', async () => {
    await expect(getUnitFile(noRegistry, 'nope', { cwd: dir, replace: false }, io())).rejects.toThrow(
      new UnitArgError('unable to find Unit(nope.service) in Registry or on filesystem'),
    );
    await expect(getUnitFile(noRegistry, 'x/web@3', { cwd: dir, replace: false }, io())).rejects.toThrow(
      'failed getting Unit(x/web@3.service) from template: unable to find template Unit(web@.service) in Registry or on filesystem',
    );
  });

  it('names the path when a local file cannot be read', async () => {
    await mkdir(join(dir, 'dir.service'));
    await expect(getUnitFile(noRegistry, 'dir.service', { cwd: dir, replace: false }, io())).rejects.toThrow(
      /^failed getting Unit\(dir\.service\) from file: EISDIR/,
    );
  });
});

describe('usage errors (exit 2, before any API call)', () => {
  async function cli(...argv: string[]) {
    const lines: string[] = [];
    const code = await runCli([...argv, '--data-dir', dir], { out: () => {}, err: (l) => lines.push(l) });
    return { code, err: lines.join('\n') };
  }

  it('needs units and knows its flags', async () => {
    expect(await cli('start')).toMatchObject({
      code: 2,
      err: expect.stringContaining('start: No units given'),
    });
    expect(await cli('stop', '--replace', 'x')).toMatchObject({
      code: 2,
      err: expect.stringContaining("Unknown option '--replace'"),
    });
    expect(await cli('load', '--block-attempts=many', 'x')).toMatchObject({
      code: 2,
      err: expect.stringContaining("load: --block-attempts must be a whole number, got 'many'"),
    });
    expect(await cli('cat', 'a', 'b')).toMatchObject({
      code: 2,
      err: expect.stringContaining('One unit file must be provided'),
    });
    expect(await cli('list-units', '--fields=unit,tmachine')).toMatchObject({
      code: 2,
      err: expect.stringContaining('list-units: Invalid key in output format: "tmachine"'),
    });
  });

  it('fails with exit 1 when no app is running', async () => {
    expect(await cli('list-units', '-l', '--cluster', 'dev')).toMatchObject({
      code: 1,
      err: expect.stringContaining('No running Flotilla found'),
    });
  });
});
