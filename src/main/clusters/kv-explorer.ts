// The KV explorer's reads and checked writes, through the etcd3 client only (DESIGN.md decision 1):
// the same code works against the embedded members and against an external etcd.
import type { Etcd3, IKeyValue, IWatchResponse } from 'etcd3';
import type {
  KvConflict,
  KvEntry,
  KvHistory,
  KvLease,
  KvPage,
  KvVersion,
  KvWatchBatch,
} from '../../shared/api';

/** A failure the API maps through `apiCode` (see ApiError.from). */
export class KvExplorerError extends Error {
  constructor(
    readonly apiCode: 'NOT_FOUND' | 'CONFLICT' | 'BAD_REQUEST',
    message: string,
    readonly hint?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'KvExplorerError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Text when the bytes are UTF-8, else base64 (the explorer says which). */
function decodeValue(bytes: Buffer): { value: string; binary: boolean } {
  try {
    return { value: utf8.decode(bytes), binary: false };
  } catch {
    return { value: bytes.toString('base64'), binary: true };
  }
}

/** A key for display: UTF-8 text, invalid bytes as \xNN (etcd keys are bytes). */
function decodeKey(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return [...bytes]
      .map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`))
      .join('');
  }
}

const leaseOf = (kv: IKeyValue) => (kv.lease && kv.lease !== '0' ? { lease: String(kv.lease) } : {});

export function toEntry(kv: IKeyValue, keysOnly = false): KvEntry {
  const v = keysOnly ? { value: '', binary: false } : decodeValue(kv.value);
  return {
    key: decodeKey(kv.key),
    ...v,
    size: kv.value.length,
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
    ...leaseOf(kv),
  };
}

/** The smallest key greater than every key starting with `prefix` (etcd's range_end for a prefix). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  // Every byte 0xff (or empty): to the end of the keyspace.
  return Buffer.from([0]);
}

export class KvExplorer {
  constructor(private readonly client: Etcd3) {}

  async list(o: {
    prefix: string;
    after?: string | undefined;
    limit: number;
    keysOnly: boolean;
  }): Promise<KvPage> {
    const prefix = Buffer.from(o.prefix);
    // Start just after the previous page's last key (a NUL appended is the next possible key).
    const key = o.after !== undefined ? Buffer.concat([Buffer.from(o.after), Buffer.from([0])]) : prefix;
    const res = await this.client.kv.range({
      key: key.length ? key : Buffer.from([0]),
      range_end: prefixEnd(prefix),
      limit: o.limit,
      keys_only: false,
      // Sizes are wanted even for keysOnly: values are read and dropped here, not sent.
    });
    return {
      entries: res.kvs.map((kv) => toEntry(kv, o.keysOnly)),
      more: res.more,
      revision: Number(res.header.revision),
    };
  }

  async get(key: string): Promise<KvEntry> {
    const res = await this.client.kv.range({ key: Buffer.from(key) });
    const kv = res.kvs[0];
    if (!kv) throw new KvExplorerError('NOT_FOUND', `key '${key}' does not exist`);
    return toEntry(kv);
  }

  /**
   * A write that happens only if the key is still at `expectModRevision` (0: absent). One etcd
   * transaction: the compare and the put are atomic, and a failed compare answers with the
   * key as it is now, for the conflict.
   */
  async put(o: {
    key: string;
    value: string;
    binary: boolean;
    expectModRevision?: number | undefined;
    lease?: string | undefined;
  }): Promise<{ revision: number }> {
    const key = Buffer.from(o.key);
    const value = o.binary ? Buffer.from(o.value, 'base64') : Buffer.from(o.value);
    const put = { key, value, ...(o.lease ? { lease: o.lease } : {}) };
    if (o.expectModRevision === undefined) {
      const res = await this.client.kv.put(put);
      return { revision: Number(res.header.revision) };
    }
    return this.checked(o.key, o.expectModRevision, { request_put: put });
  }

  async delete(o: {
    key: string;
    expectModRevision?: number | undefined;
  }): Promise<{ revision: number; deleted: number }> {
    const key = Buffer.from(o.key);
    if (o.expectModRevision === undefined) {
      const res = await this.client.kv.deleteRange({ key });
      return { revision: Number(res.header.revision), deleted: Number(res.deleted) };
    }
    const { revision } = await this.checked(o.key, o.expectModRevision, { request_delete_range: { key } });
    return { revision, deleted: 1 };
  }

  private async checked(
    keyText: string,
    expected: number,
    op:
      | { request_put: { key: Buffer; value: Buffer; lease?: string } }
      | { request_delete_range: { key: Buffer } },
  ): Promise<{ revision: number }> {
    const key = Buffer.from(keyText);
    const res = await this.client.kv.txn({
      compare: [{ key, target: 'Mod', result: 'Equal', mod_revision: expected }],
      success: [op],
      failure: [{ request_range: { key } }],
    });
    if (res.succeeded) return { revision: Number(res.header.revision) };
    const now = res.responses[0]?.response_range?.kvs[0];
    const details: KvConflict = {
      key: keyText,
      expectedModRevision: expected,
      ...(now ? { current: toEntry(now) } : {}),
    };
    const message = !now
      ? `'${keyText}' was deleted since you read it (at revision ${expected})`
      : expected === 0
        ? `'${keyText}' already exists (written at revision ${Number(now.mod_revision)})`
        : `'${keyText}' changed since you read it: it is at revision ${Number(now.mod_revision)}, you started from ${expected}`;
    throw new KvExplorerError(
      'CONFLICT',
      message,
      'Compare with the current value, then keep theirs or write yours again knowingly.',
      details,
    );
  }

  /**
   * A key's versions, newest first: each version's predecessor is the key as of the revision
   * before it was written. Stops at the key's creation, at `limit`, or where compaction removed
   * the older revisions (etcd answers "required revision has been compacted").
   */
  async history(keyText: string, limit: number): Promise<KvHistory> {
    const key = Buffer.from(keyText);
    const versions: KvVersion[] = [];
    const head = await this.client.kv.range({ key });
    let kv: IKeyValue | undefined = head.kvs[0];
    // A deleted key has no current version to walk back from (the delete's revision is not
    // kept with the key): its history is empty and says so.
    if (!kv) return { key: keyText, versions, deleted: true };
    let compactedAt: number | undefined;
    while (kv && versions.length < limit) {
      versions.push({
        modRevision: Number(kv.mod_revision),
        createRevision: Number(kv.create_revision),
        version: Number(kv.version),
        ...decodeValue(kv.value),
        ...leaseOf(kv),
      });
      if (Number(kv.version) <= 1) break;
      const before: number = Number(kv.mod_revision) - 1;
      try {
        kv = (await this.client.kv.range({ key, revision: before })).kvs[0];
      } catch (err) {
        if (/compacted/.test((err as Error).message)) {
          compactedAt = before;
          break;
        }
        throw err;
      }
    }
    return { key: keyText, versions, deleted: false, ...(compactedAt !== undefined ? { compactedAt } : {}) };
  }

  async leases(): Promise<KvLease[]> {
    const { leases } = await this.client.leaseClient.leaseLeases();
    const out: KvLease[] = [];
    for (const { ID } of leases) {
      const t = await this.client.leaseClient.leaseTimeToLive({ ID, keys: true });
      out.push({
        id: String(ID),
        ttl: Number(t.TTL),
        grantedTtl: Number(t.grantedTTL),
        keys: (t.keys ?? []).map((k) => decodeKey(k)),
        readAt: Date.now(),
      });
    }
    return out;
  }

  /** Changes under a prefix from a revision on, one batch per watch response. */
  watch(
    prefix: string,
    fromRevision: number | undefined,
    emit: (b: KvWatchBatch) => void,
    fail: (err: Error) => void,
  ): () => void {
    let closed = false;
    let stop: (() => void) | undefined;
    const builder = this.client.watch().prefix(prefix);
    (fromRevision !== undefined ? builder.startRevision(String(fromRevision)) : builder)
      .create()
      .then((w) => {
        if (closed) {
          void w.cancel();
          return;
        }
        w.on('data', (res: IWatchResponse) => {
          if (!res.events.length) return;
          emit({
            events: res.events.map((e) => ({
              type: e.type === 'Delete' ? 'delete' : 'put',
              entry: toEntry(e.kv),
            })),
            revision: Number(res.header.revision),
          });
        });
        w.on('error', (err: Error) => fail(err));
        stop = () => void w.cancel();
      })
      .catch((err: Error) => fail(err));
    return () => {
      closed = true;
      stop?.();
    };
  }
}
