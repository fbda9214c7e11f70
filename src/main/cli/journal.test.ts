import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../shared/api';
import { formatEntry, parseJournalArgs, printBatch, shortTime } from './journal';
import { UsageError } from './usage';

const entry = (over: Partial<JournalEntry> = {}): JournalEntry => ({
  cursor: 'j1.x',
  time: '2026-11-22T02:51:03.123456Z',
  seq: 7,
  machineId: 'a1'.repeat(16),
  hostname: 'core-01',
  unit: 'hello.service',
  stream: 'stdout',
  text: 'Hello World',
  ...over,
});
const SHORT = { output: 'short', utc: true } as const;

describe('flotctl journal output', () => {
  it("prints journalctl's short form: time, host, who, text; stderr and systemd marked", () => {
    expect(formatEntry(entry(), SHORT)).toBe('Nov 22 02:51:03 core-01 hello.service[stdout]: Hello World');
    expect(formatEntry(entry({ stream: 'stderr', text: 'boom' }), SHORT)).toBe(
      'Nov 22 02:51:03 core-01 hello.service[stderr]: boom',
    );
    expect(formatEntry(entry({ stream: 'system', text: 'Started Hello World.' }), SHORT)).toBe(
      'Nov 22 02:51:03 core-01 systemd[1]: Started Hello World.',
    );
    const { unit: _unit, ...machineLine } = entry({ stream: 'system', text: 'agent up' });
    expect(formatEntry(machineLine, SHORT)).toBe('Nov 22 02:51:03 core-01 flotilla: agent up');
  });

  it('indents the continuation lines of a multi-line text under the first', () => {
    const lines = formatEntry(entry({ text: 'one\ntwo' }), SHORT).split('\n');
    expect(lines[0]).toBe('Nov 22 02:51:03 core-01 hello.service[stdout]: one');
    expect(lines[1]).toBe(`${' '.repeat(lines[0]!.length - 3)}two`);
  });

  it('-o json prints each entry as one JSON line, cursor included', () => {
    const e = entry({ text: 'a "quoted"\nline' });
    const line = formatEntry(e, { output: 'json', utc: false });
    expect(line.includes('\n')).toBe(false);
    expect(JSON.parse(line)).toEqual(e);
  });

  it('pads the day and shows local time unless --utc', () => {
    expect(shortTime('2026-03-05T07:08:09.000000Z', true)).toBe('Mar 05 07:08:09');
    const local = new Date('2026-03-05T07:08:09Z');
    expect(shortTime('2026-03-05T07:08:09.000000Z', false)).toBe(
      `Mar ${String(local.getDate()).padStart(2, '0')} ${String(local.getHours()).padStart(2, '0')}:08:09`,
    );
  });

  it('notices go to stderr, entries to stdout', () => {
    const out: string[] = [];
    const err: string[] = [];
    printBatch(
      { entries: [entry()], cursor: 'j1.', notices: ['core-01: entries 2–9 were rotated away'] },
      SHORT,
      {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      },
    );
    expect(out).toEqual(['Nov 22 02:51:03 core-01 hello.service[stdout]: Hello World']);
    expect(err).toEqual(['-- core-01: entries 2–9 were rotated away --']);
  });
});

describe('flotctl journal arguments', () => {
  it('defaults to the last 10 lines of every unit on every machine', () => {
    expect(parseJournalArgs([])).toEqual({
      dataDir: undefined,
      cluster: undefined,
      query: { lines: 10 },
      follow: false,
      format: { output: 'short', utc: false },
    });
  });

  it('takes -n/--lines, -f, --machine, --cluster, -o, --utc and unit names (.service added)', () => {
    const a = parseJournalArgs([
      '-n',
      '50',
      '-f',
      '--machine',
      'core-02',
      '--cluster',
      'prod',
      '-o',
      'json',
      '--utc',
      'hello',
      'db@1.service',
    ]);
    expect(a).toEqual({
      dataDir: undefined,
      cluster: 'prod',
      query: { lines: 50, machine: 'core-02', units: ['hello.service', 'db@1.service'] },
      follow: true,
      format: { output: 'json', utc: true },
    });
    expect(parseJournalArgs(['--lines=0', '--follow']).query.lines).toBe(0);
  });

  it('refuses what the API would refuse, as usage errors', () => {
    expect(() => parseJournalArgs(['-o', 'verbose'])).toThrow(UsageError);
    expect(() => parseJournalArgs(['-n', 'lots'])).toThrow(/--lines must be a whole number/);
    expect(() => parseJournalArgs(['-n', '2000000'])).toThrow(/at most 1000000/);
    expect(() => parseJournalArgs(['--machine', 'core 02'])).toThrow(/--machine must be a machine host name/);
    expect(() => parseJournalArgs(['--since', 'today'])).toThrow(UsageError);
  });
});
