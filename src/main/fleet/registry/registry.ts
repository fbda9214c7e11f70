import { z } from 'zod';
import type { Etcd3, IKeyValue, IRequestOp, ICompare, Watcher } from 'etcd3';
import type { BlockedReason, MachineInfo, SubmitOutcome } from '../../../shared/api';
import { unitHash } from '../../../shared/units';
import type { SystemdState, TargetState } from '../../../shared/units/types';
import { FleetError } from '../errors';
import { FLEET_PREFIX, keys } from './keys';
import { RegistryModel } from './model';

const buf = (s: string) => Buffer.from(s);
const put = (key: string, value: string, lease?: string): IRequestOp => ({
  request_put: lease ? { key: buf(key), value: buf(value), lease } : { key: buf(key), value: buf(value) },
});
const del = (key: string): IRequestOp => ({ request_delete_range: { key: buf(key) } });
const delPrefix = (prefix: string): IRequestOp => ({
  request_delete_range: { key: buf(prefix), range_end: buf(prefixEnd(prefix)) },
});
/** Holds while `key` exists (e.g. an engine's election key under its lease). */
export const exists = (key: string): ICompare => ({
  key: buf(key),
  target: 'Create',
  result: 'Greater',
  create_revision: 0,
});
const createdNever = (key: string): ICompare => ({
  key: buf(key),
  target: 'Create',
  result: 'Equal',
  create_revision: 0,
});
const valueIs = (key: string, value: string): ICompare => ({
  key: buf(key),
  target: 'Value',
  result: 'Equal',
  value: buf(value),
});

const ObjectValue = z.object({ unitHash: z.string() });
const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** etcd's range_end for "every key with this prefix". */
function prefixEnd(prefix: string): string {
  const b = Buffer.from(prefix);
  b[b.length - 1]! += 1;
  return b.toString();
}

/** etcd's default --max-txn-ops; our KV accepts the same. */
const TXN_OPS = 128;
/** Well under etcd's default 1.5 MiB request limit. */
const TXN_BYTES = 512 * 1024;

export interface Placement {
  unit: string;
  machineId: string;
}

/**
 * Reads and writes the fleet registry (layout in keys.ts) through the etcd3 client only, so it
 * works the same against the embedded KV and an external etcd.
 */
export class Registry {
  constructor(readonly etcd: Etcd3) {}

  /** The whole registry at one revision. */
  async load(): Promise<{ model: RegistryModel; revision: string }> {
    const res = await this.etcd.kv.range({ key: buf(FLEET_PREFIX), range_end: buf(prefixEnd(FLEET_PREFIX)) });
    const model = new RegistryModel();
    for (const kv of res.kvs) model.apply(kv.key.toString(), kv.value.toString());
    return { model, revision: res.header.revision };
  }

  /** The KV's current revision (a linearizable read). */
  async headRevision(): Promise<string> {
    const res = await this.etcd.kv.range({ key: buf(FLEET_PREFIX), limit: 1, keys_only: true });
    return res.header.revision;
  }

  /**
   * Follows every change after `revision`, one key at a time. Returns the watcher; its 'error'
   * and 'disconnected' events are the caller's to handle (reload and watch again).
   */
  async watch(
    revision: string,
    onChange: (key: string, value: string | undefined) => void,
  ): Promise<Watcher> {
    const w = await this.etcd
      .watch()
      .prefix(FLEET_PREFIX)
      .startRevision(String(BigInt(revision) + 1n))
      .create();
    w.on('put', (kv: IKeyValue) => onChange(kv.key.toString(), kv.value.toString()));
    w.on('delete', (kv: IKeyValue) => onChange(kv.key.toString(), undefined));
    return w;
  }

  /**
   * Adds unit files (desired state inactive). An existing name keeps its file unless `replace`:
   * units are immutable in the registry, as in fleet.
   */
  async submit(
    units: { name: string; content: string }[],
    replace: boolean,
  ): Promise<{ name: string; outcome: SubmitOutcome; hash: string }[]> {
    const out: { name: string; outcome: SubmitOutcome; hash: string }[] = [];
    for (const u of units) {
      const hash = unitHash(u.content);
      const unitPut = put(keys.unit(hash), JSON.stringify({ raw: u.content }));
      const objectPut = put(keys.object(u.name), JSON.stringify({ name: u.name, unitHash: hash }));
      const created = await this.etcd.kv.txn({
        compare: [createdNever(keys.object(u.name))],
        success: [unitPut, objectPut, put(keys.targetState(u.name), 'inactive')],
        failure: [{ request_range: { key: buf(keys.object(u.name)) } }],
      });
      if (created.succeeded) {
        out.push({ name: u.name, outcome: 'created', hash });
        continue;
      }
      const existing = created.responses[0]?.response_range?.kvs[0]?.value.toString() ?? '';
      const parsed = ObjectValue.safeParse(safeJson(existing));
      const current = parsed.success ? parsed.data.unitHash : undefined;
      if (current === hash) out.push({ name: u.name, outcome: 'unchanged', hash });
      else if (!replace) out.push({ name: u.name, outcome: 'differs', hash: current ?? '' });
      else {
        // Only replace what we read: a concurrent replace wins, ours fails loudly.
        const r = await this.etcd.kv.txn({
          compare: [valueIs(keys.object(u.name), existing)],
          success: [unitPut, objectPut],
          failure: [],
        });
        if (!r.succeeded)
          throw new FleetError('CONFLICT', `${u.name} was changed by someone else meanwhile; try again`);
        out.push({ name: u.name, outcome: 'replaced', hash });
      }
    }
    return out;
  }

  /** Sets desired states; every name must exist. Returns the previous states. */
  async setDesired(names: string[], state: TargetState): Promise<{ name: string; previous: TargetState }[]> {
    const out: { name: string; previous: TargetState }[] = [];
    for (const name of names) {
      const r = await this.etcd.kv.txn({
        compare: [exists(keys.object(name))],
        success: [
          { request_range: { key: buf(keys.targetState(name)) } },
          put(keys.targetState(name), state),
        ],
        failure: [],
      });
      if (!r.succeeded) throw notFound(name);
      const prev = r.responses[0]?.response_range?.kvs[0]?.value.toString() as TargetState | undefined;
      out.push({ name, previous: prev ?? 'inactive' });
    }
    return out;
  }

  /** Removes units from the registry; their agents then stop and unload them. */
  async destroy(names: string[]): Promise<string[]> {
    const destroyed: string[] = [];
    const hashes = new Set<string>();
    for (const name of names) {
      const r = await this.etcd.kv.txn({
        compare: [exists(keys.object(name))],
        success: [{ request_range: { key: buf(keys.object(name)) } }, delPrefix(keys.job(name))],
        failure: [],
      });
      if (!r.succeeded) continue;
      destroyed.push(name);
      const object = ObjectValue.safeParse(
        safeJson(r.responses[0]!.response_range!.kvs[0]!.value.toString()),
      );
      if (object.success) hashes.add(object.data.unitHash);
    }
    await this.dropUnusedContent(hashes);
    return destroyed;
  }

  /** Content is shared by identical files (template instances); drop it with its last user. */
  private async dropUnusedContent(hashes: Set<string>): Promise<void> {
    if (hashes.size === 0) return;
    const objects = await this.etcd.kv.range({
      key: buf(keys.jobPrefix),
      range_end: buf(prefixEnd(keys.jobPrefix)),
    });
    for (const kv of objects.kvs) {
      if (!kv.key.toString().endsWith('/object')) continue;
      // A value we cannot read keeps everything: better an orphaned file than a lost one.
      const hash = ObjectValue.safeParse(safeJson(kv.value.toString()));
      if (!hash.success) return;
      hashes.delete(hash.data.unitHash);
    }
    for (const hash of hashes) await this.etcd.kv.deleteRange({ key: buf(keys.unit(hash)) });
  }

  // Engine writes take a `fence`: compares that hold only while the writer still leads (its
  // election key exists), so a deposed engine that has not noticed yet writes nothing.

  /**
   * Places units. Each placement is create-only: if any target already exists (a stale engine
   * raced us), that placement is skipped — never overwritten. Returns the placements made.
   */
  async schedule(placements: Placement[], fence: ICompare[] = []): Promise<Placement[]> {
    return this.batched(
      placements,
      (p) => [...fence, createdNever(keys.target(p.unit))],
      (p) => [put(keys.target(p.unit), p.machineId), del(keys.blocked(p.unit))],
    );
  }

  /** Removes placements, each only if the unit is still on the machine we decided about. */
  async unschedule(placements: Placement[], fence: ICompare[] = []): Promise<Placement[]> {
    return this.batched(
      placements,
      (p) => [...fence, valueIs(keys.target(p.unit), p.machineId)],
      (p) => [del(keys.target(p.unit))],
    );
  }

  /** Moves a placed unit to another machine (compare-and-swap on its current target). */
  async move(unit: string, from: string, to: string, fence: ICompare[] = []): Promise<boolean> {
    const r = await this.etcd.kv.txn({
      compare: [...fence, valueIs(keys.target(unit), from)],
      success: [put(keys.target(unit), to)],
      failure: [],
    });
    return r.succeeded;
  }

  /** Records (or clears, with undefined) why units cannot be placed. */
  async setBlocked(
    entries: { unit: string; reason: BlockedReason | undefined }[],
    fence: ICompare[] = [],
  ): Promise<void> {
    // Reasons list every machine ruled out, so batches are cut by size too (etcd's default
    // request limit is 1.5 MiB).
    let ops: IRequestOp[] = [];
    let bytes = 0;
    const flush = async () => {
      if (ops.length) await this.etcd.kv.txn({ compare: fence, success: ops, failure: [] });
      ops = [];
      bytes = 0;
    };
    for (const e of entries) {
      const value = e.reason ? JSON.stringify(e.reason) : '';
      if (ops.length === TXN_OPS || bytes + value.length > TXN_BYTES) await flush();
      ops.push(e.reason ? put(keys.blocked(e.unit), value) : del(keys.blocked(e.unit)));
      bytes += value.length + e.unit.length;
    }
    await flush();
  }

  async registerMachine(info: MachineInfo, lease: string): Promise<void> {
    await this.etcd.kv.put({ key: buf(keys.machine(info.id)), value: buf(JSON.stringify(info)), lease });
  }

  async unregisterMachine(machineId: string): Promise<void> {
    await this.etcd.kv.deleteRange({ key: buf(keys.machine(machineId)) });
  }

  /** An agent's report of a unit on its machine (undefined = it no longer has the unit). */
  async reportState(
    unit: string,
    machineId: string,
    state: (SystemdState & { hash: string; reason?: string | undefined; since?: number }) | undefined,
    lease: string,
  ): Promise<void> {
    if (!state) {
      await this.etcd.kv.deleteRange({ key: buf(keys.state(unit, machineId)) });
      return;
    }
    const value = {
      load: state.load,
      active: state.active,
      sub: state.sub,
      hash: state.hash,
      ...(state.reason ? { reason: state.reason } : {}),
      ...(state.since !== undefined ? { since: state.since } : {}),
    };
    await this.etcd.kv.put({
      key: buf(keys.state(unit, machineId)),
      value: buf(JSON.stringify(value)),
      lease,
    });
  }

  /** An agent says it launched the unit (or, with launched=false, that it no longer runs it). */
  async setJobState(unit: string, machineId: string, launched: boolean, lease: string): Promise<void> {
    if (launched) {
      await this.etcd.kv.put({ key: buf(keys.jobState(unit)), value: buf(machineId), lease });
      return;
    }
    await this.etcd.kv.txn({
      compare: [valueIs(keys.jobState(unit), machineId)],
      success: [del(keys.jobState(unit))],
      failure: [],
    });
  }

  /**
   * Runs guarded writes in txns of up to 128 ops. A txn whose guards fail is retried one item
   * at a time, so one stale item never blocks the rest.
   */
  private async batched(
    items: Placement[],
    guards: (p: Placement) => ICompare[],
    ops: (p: Placement) => IRequestOp[],
  ): Promise<Placement[]> {
    const done: Placement[] = [];
    const perItem = Math.max(1, ops(items[0] ?? { unit: 'x', machineId: 'x' }).length);
    const size = Math.max(1, Math.floor(TXN_OPS / perItem));
    for (let i = 0; i < items.length; i += size) {
      const chunk = items.slice(i, i + size);
      const r = await this.etcd.kv.txn({
        compare: chunk.flatMap(guards),
        success: chunk.flatMap(ops),
        failure: [],
      });
      if (r.succeeded) {
        done.push(...chunk);
        continue;
      }
      for (const p of chunk) {
        const one = await this.etcd.kv.txn({ compare: guards(p), success: ops(p), failure: [] });
        if (one.succeeded) done.push(p);
      }
    }
    return done;
  }
}

export function notFound(name: string): FleetError {
  return new FleetError('NOT_FOUND', `Unit ${name} not found`, 'Submit it first: flotctl submit FILE');
}
