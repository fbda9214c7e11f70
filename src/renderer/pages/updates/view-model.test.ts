import { describe, expect, it } from 'vitest';
import { machineUpdate, release, updatesView } from './testkit';
import {
  channelEffect,
  compareVersions,
  formatBytes,
  formatInterval,
  intervalError,
  maxError,
  rebootRefusal,
  rollbackTarget,
  serverError,
  updateBadge,
  windowErrors,
} from './view-model';

const needReboot = machineUpdate(3, {
  status: {
    lastCheckedTime: 1,
    progress: 1,
    currentOp: 'UPDATE_STATUS_UPDATED_NEED_REBOOT',
    newVersion: '4516.0.0',
    newSize: 1,
  },
  partitions: [
    { label: 'USR-A', version: '4459.2.1', priority: 1, tries: 0, successful: true, active: true },
    { label: 'USR-B', version: '4516.0.0', priority: 2, tries: 1, successful: false, active: false },
  ],
  reboot: 'waiting-window',
  message: 'its window opens Thu 04:00',
});

describe('versions', () => {
  it('compares number by number, not as text', () => {
    expect(compareVersions('4459.2.1', '4516.0.0')).toBe(-1);
    expect(compareVersions('4516.10.0', '4516.9.0')).toBe(1);
    expect(compareVersions('4516.0', '4516.0.0')).toBe(0);
  });

  it('says which machines a channel updates and which it would not downgrade', () => {
    const view = updatesView({
      machines: [
        machineUpdate(1),
        machineUpdate(2, { osVersion: '4516.0.0' }),
        machineUpdate(3, { osVersion: '4487.1.0' }),
      ],
    });
    const beta = channelEffect(view, 'beta');
    expect(beta.newest?.version).toBe('4487.1.0');
    expect(beta.updates.map((m) => m.hostname)).toEqual(['core-01']);
    expect(beta.waits.map((m) => m.hostname)).toEqual(['core-02']);
    expect(beta.current.map((m) => m.hostname)).toEqual(['core-03']);
    const empty = updatesView({
      feed: { ...view.feed, feed: { channels: { ...view.feed.feed.channels, beta: [] } } },
    });
    expect(channelEffect(empty, 'beta').newest).toBeUndefined();
  });
});

describe('actions', () => {
  it('offers Reboot now only when an installed update waits and the machine is not booting', () => {
    expect(rebootRefusal(needReboot)).toBeUndefined();
    expect(rebootRefusal(machineUpdate(1))).toBe('no installed update waits for a reboot');
    expect(rebootRefusal({ ...needReboot, reboot: 'rebooting' })).toBe('core-03 is rebooting');
    expect(rebootRefusal({ ...needReboot, up: false })).toBe('core-03 is down');
  });

  it('offers a rollback only to a passive partition whose version booted successfully', () => {
    expect(rollbackTarget(machineUpdate(1))).toEqual({
      partition: expect.objectContaining({ label: 'USR-B', version: '4426.1.0' }),
    });
    expect(rollbackTarget(needReboot)).toEqual({ refusal: '4516.0.0 on USR-B never booted successfully' });
    const fresh = machineUpdate(1, {
      partitions: [
        { label: 'USR-A', version: '4459.2.1', priority: 1, tries: 0, successful: true, active: true },
        { label: 'USR-B', version: null, priority: 0, tries: 0, successful: false, active: false },
      ],
    });
    expect(rollbackTarget(fresh)).toEqual({ refusal: 'the other partition holds no version' });
    expect(rollbackTarget({ ...machineUpdate(1), reboot: 'rolling-back' })).toEqual({
      refusal: 'core-01 is rolling back',
    });
  });
});

describe('the board badge', () => {
  it('says update ready, updating N%, rebooting, rolled back, or nothing', () => {
    expect(updateBadge(machineUpdate(1))).toBeUndefined();
    expect(updateBadge(needReboot)).toEqual({
      label: 'update ready',
      tone: 'success',
      tooltip:
        '4516.0.0 is installed on USR-B and needs a reboot: waiting for its reboot window. its window opens Thu 04:00',
    });
    const downloading = updatesView().machines[1]!;
    expect(updateBadge(downloading)).toMatchObject({
      label: 'updating 42%',
      tooltip: 'Downloading 4516.0.0 to USR-B: 42%.',
    });
    expect(updateBadge({ ...needReboot, reboot: 'rebooting', message: undefined })).toMatchObject({
      label: 'rebooting',
      tooltip: 'Rebooting into 4516.0.0.',
    });
    const rolledBack = machineUpdate(1, {
      lastRollback: {
        at: 0,
        from: '4516.0.0',
        to: '4459.2.1',
        reason: 'the boot check failed',
        manual: false,
      },
    });
    expect(updateBadge(rolledBack)?.label).toBe('rolled back');
    expect(updateBadge(rolledBack)?.tooltip).toMatch(
      /^Rolled back from 4516\.0\.0 to 4459\.2\.1 on .*: the boot check failed$/,
    );
    // Once it runs another version, the rollback is history.
    expect(updateBadge({ ...rolledBack, osVersion: '4516.0.1' })).toBeUndefined();
  });
});

describe('inline validation', () => {
  it('checks a reboot window with the contract', () => {
    expect(windowErrors('Thu 04:00', '1h30m')).toEqual({});
    expect(windowErrors('04:00', '45m')).toEqual({});
    expect(windowErrors('Thursday 4am', '')).toEqual({
      start: 'must be a time like 04:00 or Thu 04:00',
      length: 'must be a duration like 1h30m',
    });
    expect(windowErrors('25:00', '90s').length).toBe('must be a duration like 1h30m');
  });

  it('checks the server, the interval and a lock max', () => {
    expect(serverError('builtin:')).toBeUndefined();
    expect(serverError('https://feed.example/v1')).toBeUndefined();
    expect(serverError('ftp://x')).toBe('must be builtin:, a file:///… or an http(s)://… URL');
    expect(intervalError('2700')).toBeUndefined();
    expect(intervalError('0')).toBe('must be between 1 and 86400 seconds');
    expect(intervalError('1h')).toBe('must be a whole number of seconds');
    expect(maxError('2')).toBeUndefined();
    expect(maxError('0')).toBe('must be between 1 and 1000');
  });

  it('formats sizes and intervals', () => {
    expect(formatBytes(release('1', '2026-01-01').size)).toBe('312 MB');
    expect(formatBytes(1_500_000_000)).toBe('1.5 GB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatInterval(2700)).toBe('45 min');
    expect(formatInterval(5400)).toBe('1 h 30 min');
    expect(formatInterval(30)).toBe('30 s');
  });
});
