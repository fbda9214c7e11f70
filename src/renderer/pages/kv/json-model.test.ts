import { describe, expect, it } from 'vitest';
import {
  base64Bytes,
  foldablePaths,
  foldSummary,
  hexDump,
  jsonLines,
  parseJsonDocument,
  prettyIfJson,
} from './json-model';

const render = (doc: unknown, collapsed: string[] = []) =>
  jsonLines(doc as never, new Set(collapsed)).map(
    (l) => `${'  '.repeat(l.depth)}${l.prefix}${l.text}${l.comma ? ',' : ''}`,
  );

describe('parseJsonDocument', () => {
  it('takes objects and arrays, leaves scalars and non-JSON as text', () => {
    expect(parseJsonDocument(' {"a":1} ')).toEqual({ a: 1 });
    expect(parseJsonDocument('[1]')).toEqual([1]);
    expect(parseJsonDocument('42')).toBeUndefined();
    expect(parseJsonDocument('{not json')).toBeUndefined();
    expect(parseJsonDocument('hello')).toBeUndefined();
  });

  it('pretty-prints only JSON documents', () => {
    expect(prettyIfJson('{"a":[1,2]}')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(prettyIfJson('plain  text')).toBe('plain  text');
  });
});

describe('jsonLines', () => {
  const doc = { name: 'web', ports: [80, 443], meta: {}, 'odd key': null, on: true };

  it('lays a document out as JSON.stringify(…, 2) does', () => {
    expect(render(doc).join('\n')).toBe(JSON.stringify(doc, null, 2));
  });

  it('folds a node into one line with what it holds, keeping the comma', () => {
    expect(render(doc, ['$.ports'])).toEqual([
      '{',
      '  "name": "web",',
      '  "ports": […],',
      '  "meta": {},',
      '  "odd key": null,',
      '  "on": true',
      '}',
    ]);
    const folded = jsonLines(doc, new Set(['$.ports'])).find((l) => l.path === '$.ports')!;
    expect(foldSummary(folded.fold!)).toBe('2 items');
    expect(render(doc, ['$'])).toEqual(['{…}']);
  });

  it('names nested paths so folds survive a new value of the same shape', () => {
    expect(foldablePaths({ a: [{ b: [1] }], 'x y': { z: 1 } })).toEqual([
      '$',
      '$.a',
      '$.a[0]',
      '$.a[0].b',
      '$["x y"]',
    ]);
  });
});

describe('hexDump', () => {
  it('shows offsets, hex pairs and printable characters', () => {
    const dump = hexDump(base64Bytes(btoa('Hello\u0000\u00ff world, 16+ bytes')));
    const [first, second] = dump.split('\n');
    expect(first).toBe('00000000: 4865 6c6c 6f00 ff20 776f 726c 642c 2031  Hello.. world, 1');
    expect(second).toMatch(/^00000010: 362b 2062 7974 6573 +6\+ bytes$/);
  });

  it('stops at the limit and says how much more there is', () => {
    expect(hexDump(new Uint8Array(40), 16).split('\n')).toEqual([
      '00000000: 0000 0000 0000 0000 0000 0000 0000 0000  ................',
      '… 24 more bytes',
    ]);
  });
});
