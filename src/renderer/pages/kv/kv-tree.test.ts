import { describe, expect, it } from 'vitest';
import type { KvEntry } from '../../../shared/api';
import { ancestorsOf, applyWatchEvents, buildTree, segments, visibleRows } from './kv-tree';

const entry = (key: string, modRevision: number, value = ''): KvEntry => ({
  key,
  value,
  binary: false,
  size: value.length,
  createRevision: modRevision,
  modRevision,
  version: 1,
});

const KEYS = [
  '/coreos.com/fleet/job/a',
  '/coreos.com/fleet/job/b',
  '/coreos.com/fleet/engine',
  '/x',
  'plain',
];

describe('segments', () => {
  it('keeps each slash with the segment before it', () => {
    expect(segments('/a/b')).toEqual(['/', 'a/', 'b']);
    expect(segments('a//b/')).toEqual(['a/', '/', 'b/']);
    expect(segments('plain')).toEqual(['plain']);
  });
});

describe('buildTree and visibleRows', () => {
  it('nests keys by prefix with counts, in key order', () => {
    const tree = buildTree(KEYS);
    expect(tree.count).toBe(5);
    const rows = visibleRows(tree, new Set(['/', '/coreos.com/', '/coreos.com/fleet/']));
    expect(rows.map((r) => [r.id, r.level, r.count, r.isFolder])).toEqual([
      ['/', 1, 4, true],
      ['/coreos.com/', 2, 3, true],
      ['/coreos.com/fleet/', 3, 3, true],
      ['/coreos.com/fleet/engine', 4, 1, false],
      ['/coreos.com/fleet/job/', 4, 2, true],
      ['/x', 2, 1, false],
      ['plain', 1, 1, false],
    ]);
  });

  it('shows only the children of open folders, with their place among siblings', () => {
    const rows = visibleRows(buildTree(KEYS), new Set(['/']));
    expect(rows.map((r) => r.id)).toEqual(['/', '/coreos.com/', '/x', 'plain']);
    const x = rows.find((r) => r.id === '/x')!;
    expect([x.posInSet, x.setSize, x.parentId]).toEqual([2, 2, '/']);
    expect(rows.find((r) => r.id === '/coreos.com/')!.expanded).toBe(false);
  });

  it('keeps a key and the folder of the same name apart, and marks a key that is also a folder', () => {
    const tree = buildTree(['/a', '/a/b', 'c/', 'c/d']);
    const rows = visibleRows(tree, new Set(['/', 'c/']));
    expect(rows.map((r) => [r.id, r.isKey, r.isFolder])).toEqual([
      ['/', false, true],
      ['/a', true, false],
      ['/a/', false, true],
      ['c/', true, true],
      ['c/d', true, false],
    ]);
  });

  it('filters to matching keys and the folders that lead to them, all open, ignoring case', () => {
    const rows = visibleRows(buildTree(KEYS), new Set(), 'JOB/B');
    expect(rows.map((r) => [r.id, r.count])).toEqual([
      ['/', 1],
      ['/coreos.com/', 1],
      ['/coreos.com/fleet/', 1],
      ['/coreos.com/fleet/job/', 1],
      ['/coreos.com/fleet/job/b', 1],
    ]);
    expect(visibleRows(buildTree(KEYS), new Set(), 'nothing')).toEqual([]);
  });

  it('lists the folders a key sits in', () => {
    expect(ancestorsOf('/coreos.com/fleet/job')).toEqual(['/', '/coreos.com/', '/coreos.com/fleet/']);
    expect(ancestorsOf('plain')).toEqual([]);
  });
});

describe('applyWatchEvents', () => {
  const start = new Map([
    ['/a', entry('/a', 5)],
    ['/b', entry('/b', 6)],
  ]);

  it('adds new keys, drops values, and removes deleted keys', () => {
    const r = applyWatchEvents(start, [
      { type: 'put', entry: entry('/c', 7, 'value') },
      { type: 'delete', entry: entry('/a', 8) },
    ]);
    expect([...r.entries.keys()].sort()).toEqual(['/b', '/c']);
    expect(r.entries.get('/c')!.value).toBe('');
    expect(r.keysChanged).toBe(true);
    expect(r.touched).toEqual(['/c', '/a']);
    expect(start.has('/a')).toBe(true);
  });

  it('updates a known key without changing the key set', () => {
    const r = applyWatchEvents(start, [{ type: 'put', entry: entry('/a', 9, 'new') }]);
    expect(r.entries.get('/a')!.modRevision).toBe(9);
    expect(r.keysChanged).toBe(false);
  });

  it('ignores events older than what a later list page already had', () => {
    const r = applyWatchEvents(start, [
      { type: 'put', entry: entry('/b', 4) },
      { type: 'delete', entry: entry('/b', 6) },
      { type: 'delete', entry: entry('/never', 9) },
    ]);
    expect(r.entries).toBe(start);
    expect(r.touched).toEqual([]);
  });

  it('replays a put then a delete of the same key to nothing', () => {
    const r = applyWatchEvents(start, [
      { type: 'put', entry: entry('/t', 10) },
      { type: 'delete', entry: entry('/t', 11) },
    ]);
    expect(r.entries.has('/t')).toBe(false);
  });
});
