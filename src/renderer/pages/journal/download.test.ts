import { describe, expect, it } from 'vitest';
import { downloadName, downloadParts, formatLine } from './download';
import type { Line, Source } from './store';

const source = (unit: string | undefined): Source => ({
  index: 0,
  key: `m1\u0000${unit ?? ''}`,
  machineId: 'm1',
  hostname: 'core-01',
  unit,
  count: 1,
});
const at = Date.UTC(2026, 10, 22, 2, 51, 3, 123) + 0.456;
const l = (text: string, stream: Line['stream'] = 'stdout', unit: string | null = 'hello.service'): Line => ({
  time: at,
  stream,
  text,
  source: source(unit ?? undefined),
});

describe('download', () => {
  it("writes journalctl's short-precise lines: time host unit[stream]: text", () => {
    expect(formatLine(l('Hello World'), { utc: true })).toBe(
      'Nov 22 02:51:03.123456 core-01 hello.service[stdout]: Hello World',
    );
    expect(formatLine(l('boom', 'stderr'), { utc: true })).toBe(
      'Nov 22 02:51:03.123456 core-01 hello.service[stderr]: boom',
    );
    expect(formatLine(l('agent up', 'system', null), { utc: true })).toBe(
      'Nov 22 02:51:03.123456 core-01 flotilla[system]: agent up',
    );
    expect(formatLine(l('hello.service moved from core-01 to core-02', 'notice'), { utc: true })).toBe(
      'Nov 22 02:51:03.123456 -- hello.service moved from core-01 to core-02 --',
    );
  });

  it('indents the continuation of a text of several lines under its start', () => {
    const out = formatLine(l('first\nsecond'), { utc: true });
    const [a, b] = out.split('\n');
    expect(a).toBe('Nov 22 02:51:03.123456 core-01 hello.service[stdout]: first');
    expect(b).toBe(`${' '.repeat(a!.length - 'first'.length)}second`);
  });

  it('cuts the file into parts, every line ending in a newline', () => {
    const parts = downloadParts(12_001, (k) => l(`n${k}`), { utc: true });
    expect(parts).toHaveLength(3);
    const all = parts.join('').split('\n');
    expect(all).toHaveLength(12_002);
    expect(all[12_000]).toMatch(/: n12000$/);
    expect(all[12_001]).toBe('');
    expect(downloadParts(0, () => l('x'), { utc: true })).toEqual([]);
  });

  it('names the file after the cluster, what was followed and when', () => {
    const now = new Date(2026, 10, 22, 2, 51, 3);
    expect(downloadName('dev', ['hello.service'], now)).toBe('journal-dev-hello.service-20261122-025103.log');
    expect(downloadName('dev', [], now)).toBe('journal-dev-20261122-025103.log');
    expect(downloadName('dev', ['a.service', 'b.service'], now)).toBe(
      'journal-dev-2-units-20261122-025103.log',
    );
    expect(downloadName('a/b', ['x y'], now)).toBe('journal-a_b-x_y-20261122-025103.log');
  });
});
