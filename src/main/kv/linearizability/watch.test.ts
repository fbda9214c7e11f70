import { describe, expect, it } from 'vitest';
import type { KvOperation } from './etcd-model';
import {
  committedFromHistory,
  inRange,
  mergeCommitted,
  prefixRange,
  validateAtomic,
  validateComplete,
  validateOrdered,
  validatePrevKv,
  validateResumable,
  validateUnique,
  validateWatch,
  type Change,
  type WatchEvent,
  type WatchResponse,
  type WatchStream,
} from './watch';

const put = (key: string, revision: number, value: string, prevKv?: WatchEvent['prevKv']): WatchEvent => ({
  type: 'put',
  key,
  revision,
  value,
  prevKv,
});
const del = (key: string, revision: number, prevKv?: WatchEvent['prevKv']): WatchEvent => ({
  type: 'delete',
  key,
  revision,
  prevKv,
});
const resp = (...events: WatchEvent[]): WatchResponse => ({
  events,
  headerRevision: events.length ? Math.max(...events.map((e) => e.revision)) : undefined,
});
const stream = (responses: WatchResponse[], extra: Partial<WatchStream> = {}): WatchStream => ({
  id: 'w1',
  range: prefixRange('k/'),
  startRevision: 2,
  responses,
  ...extra,
});

// Ground truth: rev 2 put k/a=1, rev 3 put k/b=1 and k/c=1 (one txn), rev 4 delete k/a, rev 5 put k/a=2,
// rev 6 put x/other (outside the range).
const committed: Change[] = [
  { revision: 2, key: 'k/a', type: 'put', value: '1' },
  { revision: 3, key: 'k/b', type: 'put', value: '1' },
  { revision: 3, key: 'k/c', type: 'put', value: '1' },
  { revision: 4, key: 'k/a', type: 'delete' },
  { revision: 5, key: 'k/a', type: 'put', value: '2' },
  { revision: 6, key: 'x/other', type: 'put', value: 'z' },
];
const goodResponses = (): WatchResponse[] => [
  resp(put('k/a', 2, '1', null)),
  resp(put('k/b', 3, '1', null), put('k/c', 3, '1', null)),
  resp(del('k/a', 4, { value: '1', modRevision: 2 })),
  { events: [], headerRevision: 4 }, // progress notification
  resp(put('k/a', 5, '2', null)),
];

describe('watch validators', () => {
  it('a correct stream has no violations', () => {
    expect(validateWatch([stream(goodResponses(), { prevKv: true })], committed)).toEqual([]);
  });

  it('ranges', () => {
    expect(inRange(prefixRange('k/'), 'k/a')).toBe(true);
    expect(inRange(prefixRange('k/'), 'k0')).toBe(false);
    expect(inRange({ key: 'a' }, 'a')).toBe(true);
    expect(inRange({ key: 'a' }, 'ab')).toBe(false);
    expect(inRange({ key: 'b', rangeEnd: '\0' }, 'zzz')).toBe(true);
  });

  it('ordered: revisions going back across responses, within a response, after a progress notification', () => {
    const across = [resp(put('k/b', 3, '1'), put('k/c', 3, '1')), resp(put('k/a', 2, '1'))];
    const v1 = validateOrdered(stream(across));
    expect(v1).toHaveLength(1);
    expect(v1[0]).toMatchObject({ property: 'ordered', responseIndex: 1, revision: 2, key: 'k/a' });
    const within: WatchResponse = { events: [put('k/b', 3, '1'), put('k/a', 2, '1')], headerRevision: 3 };
    expect(validateOrdered(stream([within]))[0]?.message).toContain(
      'follows revision 3 in the same response',
    );
    const afterProgress = [
      resp(put('k/a', 2, '1')),
      { events: [], headerRevision: 4 },
      resp(put('k/b', 3, '1')),
    ];
    expect(
      validateOrdered(stream(afterProgress))
        .map((x) => x.message)
        .join('\n'),
    ).toContain('after a progress notification at revision 4');
    const header: WatchResponse = { events: [put('k/a', 5, '2')], headerRevision: 4 };
    expect(validateOrdered(stream([header]))[0]?.message).toContain('header revision 4 is below');
  });

  it('unique: an event delivered twice', () => {
    const r = goodResponses();
    r.push(resp(put('k/a', 5, '2')));
    const v = validateUnique(stream(r));
    expect(v).toEqual([
      expect.objectContaining({
        property: 'unique',
        revision: 5,
        key: 'k/a',
        message: expect.stringContaining('responses 4 and 5'),
      }),
    ]);
  });

  it('atomic: a revision split across responses, or partially delivered', () => {
    const split = [resp(put('k/a', 2, '1')), resp(put('k/b', 3, '1')), resp(put('k/c', 3, '1'))];
    const v = validateAtomic(stream(split));
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({
      property: 'atomic',
      revision: 3,
      message: 'revision 3 split across responses 1 and 2',
    });
    const partial = [resp(put('k/a', 2, '1')), resp(put('k/b', 3, '1'))];
    expect(validateAtomic(stream(partial), committed)).toEqual([
      expect.objectContaining({ property: 'atomic', revision: 3, key: 'k/c' }),
    ]);
  });

  it('complete: a committed change missing between start and the last seen revision', () => {
    const r = goodResponses();
    r.splice(2, 1); // drop the delete at revision 4
    const v = validateComplete(stream(r), committed);
    expect(v).toEqual([
      expect.objectContaining({
        property: 'complete',
        revision: 4,
        key: 'k/a',
        message: expect.stringContaining('missing'),
      }),
    ]);
    // Changes after the last seen revision are not required (the stream may simply have been closed).
    expect(validateComplete(stream(goodResponses().slice(0, 2)), committed)).toEqual([]);
    // A changed value, an event outside the range, an event before the start revision.
    const wrong = [resp(put('k/a', 2, 'WRONG')), resp(put('x/other', 6, 'z'))];
    const msgs = validateComplete(stream(wrong, { startRevision: 3 }), committed).map(
      (x) => `${x.property}: ${x.message}`,
    );
    expect(msgs.join('\n')).toContain('is put "WRONG", committed was put "1"');
    expect(msgs.join('\n')).toContain('outside the watched range');
    expect(msgs.join('\n')).toContain('before the start revision 3');
  });

  it('complete: a compacted watch only covers revisions from the compaction on', () => {
    const canceled: WatchResponse = { events: [], compactRevision: 4, canceled: true, headerRevision: 6 };
    expect(validateComplete(stream([canceled]), committed)).toEqual([]);
  });

  it('resumable: the resumed stream must continue exactly after the last seen revision', () => {
    const first = stream(goodResponses().slice(0, 2)); // up to revision 3
    const ok = stream(goodResponses().slice(2), { id: 'w2', startRevision: 4 });
    expect(validateResumable(first, ok, committed)).toEqual([]);
    const gap = stream([resp(put('k/a', 5, '2'))], { id: 'w2', startRevision: 4 });
    expect(validateResumable(first, gap, committed)).toEqual([
      expect.objectContaining({ property: 'complete', revision: 4, streamId: 'w2' }),
    ]);
    const wrongStart = stream([resp(put('k/a', 5, '2'))], { id: 'w2', startRevision: 5 });
    expect(validateResumable(first, wrongStart)[0]?.message).toContain('resumed at revision 5, expected 4');
    const redelivered = stream([resp(put('k/b', 3, '1'), put('k/c', 3, '1')), ...goodResponses().slice(2)], {
      id: 'w2',
      startRevision: 3,
    });
    const v = validateResumable(first, redelivered);
    expect(v.map((x) => x.property)).toContain('resumable');
    expect(v.map((x) => x.message).join('\n')).toContain('re-delivered "k/b"@3');
    const disagree = stream([resp(put('k/b', 3, 'X'), put('k/c', 3, '1'))], { id: 'w2', startRevision: 3 });
    expect(
      validateResumable(first, disagree)
        .map((x) => x.message)
        .join('\n'),
    ).toContain('streams disagree on revisions 3..3');
  });

  it('prev_kv: wrong, missing, or present after a delete', () => {
    const wrong = goodResponses();
    wrong[2] = resp(del('k/a', 4, { value: 'zzz', modRevision: 2 }));
    expect(validatePrevKv(stream(wrong, { prevKv: true }), committed)).toEqual([
      expect.objectContaining({
        property: 'prevKv',
        revision: 4,
        message: expect.stringContaining('expected "1"@2'),
      }),
    ]);
    const missing = goodResponses();
    missing[2] = resp(del('k/a', 4, null));
    expect(validatePrevKv(stream(missing, { prevKv: true }), committed)[0]?.message).toContain(
      'prev_kv missing',
    );
    const afterDelete = goodResponses();
    afterDelete[4] = resp(put('k/a', 5, '2', { value: '1', modRevision: 2 }));
    expect(validatePrevKv(stream(afterDelete, { prevKv: true }), committed)[0]?.message).toContain(
      'but the key was deleted at 4',
    );
    // Not requested: not checked.
    expect(validatePrevKv(stream(wrong), committed)).toEqual([]);
  });

  it('builds ground truth from the KV history and the streams', () => {
    const h: KvOperation[] = [
      {
        clientId: 0,
        input: { type: 'put', key: 'k/a', value: '1' },
        output: { type: 'put', revision: 2 },
        call: 0,
        return: 1,
      },
      {
        clientId: 0,
        input: { type: 'delete', key: 'k/a' },
        output: { type: 'delete', deleted: 1, revision: 4 },
        call: 2,
        return: 3,
      },
      {
        clientId: 0,
        input: { type: 'put', key: 'k/q', value: '9' },
        output: { type: 'unknown' },
        call: 2,
        return: 3,
      },
      {
        clientId: 1,
        input: { type: 'txn', key: 'k/a', compare: [], success: [{ type: 'put', value: '2' }], failure: [] },
        output: { type: 'txn', succeeded: true, revision: 5 },
        call: 4,
        return: 5,
      },
    ];
    const fromHistory = committedFromHistory(h);
    expect(fromHistory).toEqual([
      { revision: 2, key: 'k/a', type: 'put', value: '1' },
      { revision: 4, key: 'k/a', type: 'delete' },
      { revision: 5, key: 'k/a', type: 'put', value: '2' },
    ]);
    const merged = mergeCommitted([stream(goodResponses())], fromHistory);
    expect(merged.map((c) => `${c.key}@${c.revision}`)).toEqual([
      'k/a@2',
      'k/b@3',
      'k/c@3',
      'k/a@4',
      'k/a@5',
    ]);
    // An acknowledged write missing from a stream that saw later revisions is reported.
    const lost = stream([resp(put('k/a', 2, '1')), resp(put('k/a', 5, '2'))]);
    expect(validateWatch([lost], fromHistory).map((v) => `${v.property} ${v.key}@${v.revision}`)).toEqual([
      'complete k/a@4',
    ]);
  });
});
