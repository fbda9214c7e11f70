import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, removeLeftovers } from '../clusters/test-helpers';
import { runFlotctl, startServe, stopChild } from './test-helpers';

// `flotctl update` and `flotctl locksmith` as a user runs them: the built CLI against a real
// `flotctl serve` with a one-machine cluster of real containers on Flotilla's built-in feed
// (new machines run their channel's newest version: stable 4459.2.1, alpha 4516.0.0).

const docker = new Docker();
const PREFIX = 'utest-cli';
const CLUSTER = `${PREFIX}-${process.pid.toString(36)}`;
let home = '';
let serve: ChildProcess | undefined;
/** core-01's short (8-character) machine id, as `machine list` prints it. */
let shortId = '';

const flotctl = (...args: string[]) => runFlotctl(home, [...args, '--cluster', CLUSTER]);

/** The five KEY=VALUE lines of `update status --machine core-01` as a map. */
function statusOf(machine: string): Record<string, string> {
  const r = flotctl('update', 'status', '--machine', machine);
  expect(r.code, r.err).toBe(0);
  return Object.fromEntries(
    r.out
      .trim()
      .split('\n')
      .map((l) => l.split(/=(.*)/s).slice(0, 2)),
  );
}

beforeAll(async () => {
  await removeLeftovers(docker, `${PREFIX}-`);
  home = await mkdtemp(join(tmpdir(), 'flotilla-update-'));
  serve = await startServe(home);
  const created = runFlotctl(home, ['cluster', 'create', CLUSTER, '--machines', '1']);
  if (created.code !== 0) throw new Error(`cluster create failed: ${created.err}`);
  const list = flotctl('machine', 'list');
  shortId = /^([0-9a-f]{8})\s+core-01\b/m.exec(list.out)?.[1] ?? '';
  if (!shortId) throw new Error(`no core-01 in machine list: ${list.out}${list.err}`);
}, 120_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) runFlotctl(home, ['cluster', 'destroy', CLUSTER]);
  await stopChild(serve);
  await removeLeftovers(docker, `${PREFIX}-`);
  if (home) await rm(home, { recursive: true, force: true });
}, 60_000);

describe('flotctl update on a real cluster', () => {
  it("prints update_engine_client -status's lines for one machine", () => {
    const r = flotctl('update', 'status', '--machine', 'core-01');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^LAST_CHECKED_TIME=\d+$/);
    expect(lines[1]).toMatch(/^PROGRESS=[01]\.\d{6}$/);
    expect(lines[2]).toMatch(/^CURRENT_OP=UPDATE_STATUS_[A-Z_]+$/);
    expect(lines[3]).toMatch(/^NEW_VERSION=\d+(\.\d+){0,3}$/);
    expect(lines[4]).toMatch(/^NEW_SIZE=\d+$/);
  });

  it('prints a table of every machine by default', () => {
    const r = flotctl('update', 'status');
    expect(r.code, r.err).toBe(0);
    const [header, row] = r.out.split('\n');
    expect(header!.split(/\t+/)).toEqual([
      'HOSTNAME',
      'CHANNEL',
      'VERSION',
      'CURRENT_OP',
      'PROGRESS',
      'NEW_VERSION',
      'REBOOT',
    ]);
    expect(row!.split(/\t+/).slice(0, 3)).toEqual(['core-01', 'stable', '4459.2.1']);
  });

  it('refuses usage mistakes with exit 2 and names the channels', () => {
    const bad = flotctl('update', 'set-channel', 'edge', '--all');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('CHANNEL must be stable, beta or alpha');
    expect(flotctl('update', 'status', '--machine', 'core-01', '--all').code).toBe(2);
  });

  it('an unknown machine is a failure (exit 1) naming the machines', () => {
    const r = flotctl('update', 'status', '--machine', 'core-09');
    expect(r.code).toBe(1);
    expect(r.err).toContain('core-09');
    expect(r.err).toContain('core-01');
  });
});

describe('flotctl locksmith on a real cluster', () => {
  it('shows the free default semaphore', () => {
    const r = flotctl('locksmith', 'status');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe('Available: 1\nMax: 1\n');
  });

  it('lock puts the machine id under MACHINE ID', () => {
    const lock = flotctl('locksmith', 'lock', 'core-01');
    expect(lock.err).toBe('');
    expect(lock.out).toBe('');
    expect(lock.code).toBe(0);
    const r = flotctl('locksmith', 'status');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.slice(0, 4)).toEqual(['Available: 0', 'Max: 1', '', 'MACHINE ID']);
    expect(lines.slice(4)).toHaveLength(1);
    expect(lines[4]).toMatch(new RegExp(`^${shortId}[0-9a-f]*$`));
  });

  it('a second lock is refused while no slot is free', () => {
    const r = flotctl('locksmith', 'lock', 'core-01');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^Error: /);
  });

  it('set-max prints Old and New', () => {
    const r = flotctl('locksmith', 'set-max', '2');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('Old: 1\nNew: 2\n');
    expect(flotctl('locksmith', 'status').out).toMatch(/^Available: 1\nMax: 2\n\nMACHINE ID\n/);
  });

  it('unlock gives the slot back; unlocking again fails', () => {
    const r = flotctl('locksmith', 'unlock', 'core-01');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('');
    expect(flotctl('locksmith', 'status').out).toBe('Available: 2\nMax: 2\n');
    const again = flotctl('locksmith', 'unlock', 'core-01');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^Error: /);
  });
});

describe('flotctl update changes settings', () => {
  it('check says what update_engine_client says', () => {
    const r = flotctl('update', 'check', '--machine', 'core-01');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('core-01: Initiating update check and install.\n');
  });

  it('set-strategy off keeps the machine from rebooting on its own', () => {
    const r = flotctl('update', 'set-strategy', 'off', '--no-window', '--all');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('core-01: REBOOT_STRATEGY=off, no reboot window\n');
  });

  it('set-channel alpha --all sets GROUP and the check that follows finds alpha', async () => {
    const r = flotctl('update', 'set-channel', 'alpha', '--all');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^core-01: GROUP=alpha$/m);

    const table = flotctl('update', 'status');
    expect(table.out.split('\n')[1]!.split(/\t+/).slice(0, 2)).toEqual(['core-01', 'alpha']);
    // The check runs in the background: NEW_VERSION shows alpha's newest once it has found it.
    await eventually(
      'core-01 to find 4516.0.0 on alpha',
      () => statusOf('core-01'),
      (s) => s.NEW_VERSION === '4516.0.0' || s.CURRENT_OP === 'UPDATE_STATUS_UPDATED_NEED_REBOOT',
      60_000,
    );
    // With REBOOT_STRATEGY=off it installs, then waits for a reboot by hand on the old version.
    await eventually(
      'core-01 to install 4516.0.0',
      () => statusOf('core-01'),
      (s) => s.CURRENT_OP === 'UPDATE_STATUS_UPDATED_NEED_REBOOT',
      90_000,
    );
    const row = flotctl('update', 'status').out.split('\n')[1]!.split(/\t+/);
    expect(row[0]).toBe('core-01');
    expect(row[2]).toBe('4459.2.1');
    expect(row[6]).toBe('held');
  }, 180_000);
});
