// Single-server membership changes, carried in ConfChange entries. The payload format is ours:
// [type: u8][nodeId: u64 big-endian][context bytes...].

import type { NodeId } from './types';
import { RaftError } from './errors';

export enum ConfChangeType {
  AddNode = 0,
  RemoveNode = 1,
  AddLearner = 2,
}

export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  /** Opaque to Raft (etcd puts the member's URLs here). */
  context?: Uint8Array;
}

export function encodeConfChange(cc: ConfChange): Uint8Array {
  const context = cc.context ?? new Uint8Array(0);
  const out = new Uint8Array(9 + context.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, cc.type);
  view.setBigUint64(1, cc.nodeId);
  out.set(context, 9);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.byteLength < 9) throw new RaftError(`conf change payload too short (${data.byteLength} bytes)`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const type = view.getUint8(0);
  if (!(type in ConfChangeType)) throw new RaftError(`unknown conf change type ${type}`);
  return { type: type as ConfChangeType, nodeId: view.getBigUint64(1), context: data.slice(9) };
}
