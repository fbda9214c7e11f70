// The unary etcd v3 RPCs over one Member, as plain async functions on wire objects, shared by the
// gRPC server and the JSON gateway.
import { createHash } from 'node:crypto';
import { status as Status } from '@grpc/grpc-js';
import type { Member, PeerInfo } from '../member';
import {
  big,
  deleteRangeRequest,
  deleteRangeResponse,
  i64,
  num,
  putRequest,
  putResponse,
  rangeRequest,
  rangeResponse,
  txnRequest,
  txnResponse,
  u64,
  approxSize,
  type HeaderFn,
} from './convert';
import {
  ERR_BAD_LEADER_TRANSFEREE,
  ERR_MEMBER_BAD_URLS,
  ERR_MEMBER_NOT_FOUND,
  ERR_LEARNER_NOT_READY,
  ERR_MEMBER_NOT_LEARNER,
  ERR_NO_LEADER,
  ERR_NOT_LEADER,
  ERR_PEER_URL_EXIST,
  ERR_REQUEST_TOO_LARGE,
  rpcError,
} from './errors';
import type { Wire } from './proto';

type W = Record<string, unknown>;

export type Handler = (req: W) => Promise<Wire>;

/** What the handlers need beyond the member. */
export interface HandlerContext {
  member: Member;
  header: HeaderFn;
  maxRequestBytes: number;
  version: string;
  /** Client URL of a member ("http://127.0.0.1:2379"), when known. */
  clientUrl(id: bigint): string | undefined;
  /** Name for a member added through MemberAdd (the operator starts it under that name). */
  nameForPeer(host: string, port: number): string;
  /** Runs a unary RPC on the leader's client endpoint. */
  forwardToLeader(service: string, method: string, req: W): Promise<Wire>;
  /** Leader-only lease calls, run here or forwarded to the leader. */
  leaseRenew(id: bigint): Promise<number>;
  leaseTimeToLive(
    id: bigint,
    keys: boolean,
  ): Promise<{ revision: number; ttl: number; grantedTtl: number; keys: Uint8Array[] }>;
}

const peerUrl = (p: PeerInfo): string => `http://${p.addr.host}:${p.addr.port}`;

/** A member as MemberList shows it; one not started yet (no client URL known) has no name, as in etcd. */
export function memberWire(ctx: HandlerContext, p: PeerInfo, learners: bigint[] = []): Wire {
  const url = ctx.clientUrl(p.id);
  return {
    ID: u64(p.id),
    name: url ? p.name : '',
    peerURLs: [peerUrl(p)],
    clientURLs: url ? [url] : [],
    isLearner: learners.includes(p.id),
  };
}

function checkSize(ctx: HandlerContext, req: W): void {
  if (approxSize(req) > ctx.maxRequestBytes) throw rpcError(Status.INVALID_ARGUMENT, ERR_REQUEST_TOO_LARGE);
}

function parsePeerUrl(raw: unknown): { host: string; port: number } {
  try {
    const u = new URL(String(raw as string));
    const port = Number(u.port);
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname || !(port > 0))
      throw new Error('bad');
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port };
  } catch {
    throw rpcError(Status.INVALID_ARGUMENT, ERR_MEMBER_BAD_URLS);
  }
}

export const SNAPSHOT_CHUNK = 32 * 1024;

/** etcd's readyPercent: a learner within 90% of the leader's log may be promoted. */
const LEARNER_READY_PERCENT = 0.9;

/**
 * The bytes etcd's Snapshot RPC streams: the data zero-padded to a multiple of 512 (etcdctl expects
 * a bolt file made of pages), then its sha256.
 */
export function snapshotBlob(member: Member): Buffer {
  const raw = Buffer.from(member.store.snapshot());
  const data = Buffer.concat([raw, Buffer.alloc((512 - (raw.length % 512)) % 512)]);
  return Buffer.concat([data, createHash('sha256').update(data).digest()]);
}

export function makeHandlers(ctx: HandlerContext): Record<string, Handler> {
  const m = ctx.member;
  const h = ctx.header;
  const members = (): Wire[] => {
    const learners = m.status().learners;
    return m.members().map((p) => memberWire(ctx, p, learners));
  };
  return {
    // ---- KV
    Range: async (req) => rangeResponse(await m.range(rangeRequest(req)), h),
    Put: async (req) => {
      checkSize(ctx, req);
      return putResponse(await m.put(putRequest(req)), h);
    },
    DeleteRange: async (req) => {
      checkSize(ctx, req);
      return deleteRangeResponse(await m.deleteRange(deleteRangeRequest(req)), h);
    },
    Txn: async (req) => {
      checkSize(ctx, req);
      return txnResponse(await m.txn(txnRequest(req)), h);
    },
    Compact: async (req) => {
      const r = await m.compact({ revision: num(req.revision), physical: req.physical === true });
      return { header: h(r.header.revision) };
    },
    // ---- Lease
    LeaseGrant: async (req) => {
      const r = await m.leaseGrant({ ttl: num(req.TTL), id: big(req.ID) });
      return { header: h(r.header.revision), ID: i64(r.id), TTL: String(r.ttl), error: r.error };
    },
    LeaseRevoke: async (req) => {
      const r = await m.leaseRevoke({ id: big(req.ID) });
      return { header: h(r.header.revision) };
    },
    LeaseTimeToLive: async (req) => {
      const id = big(req.ID);
      const r = await ctx.leaseTimeToLive(id, req.keys === true);
      if (r.ttl < 0) return { header: h(r.revision), ID: i64(id), TTL: '-1' };
      return {
        header: h(r.revision),
        ID: i64(id),
        TTL: String(r.ttl),
        grantedTTL: String(r.grantedTtl),
        keys: r.keys.map((k) => Buffer.from(k)),
      };
    },
    LeaseLeases: async () => {
      await m.linearizableRead();
      const r = m.store.leaseLeases();
      return { header: h(r.header.revision), leases: r.leases.map((l) => ({ ID: i64(l.id) })) };
    },
    LeaseKeepAliveOnce: async (req) => {
      const id = big(req.ID);
      const ttl = await ctx.leaseRenew(id);
      return { header: h(m.store.currentRevision), ID: i64(id), TTL: String(ttl) };
    },
    // ---- Cluster
    MemberList: async (req) => {
      if (req.linearizable === true) await m.linearizableRead();
      return { header: h(0), members: members() };
    },
    MemberAdd: async (req) => {
      const urls = Array.isArray(req.peerURLs) ? (req.peerURLs as unknown[]) : [];
      if (urls.length === 0) throw rpcError(Status.INVALID_ARGUMENT, ERR_MEMBER_BAD_URLS);
      const learner = req.isLearner === true;
      const addr = parsePeerUrl(urls[0]);
      const taken = m.members().some((p) => p.addr.host === addr.host && p.addr.port === addr.port);
      if (taken) throw rpcError(Status.FAILED_PRECONDITION, ERR_PEER_URL_EXIST);
      const name = ctx.nameForPeer(addr.host, addr.port);
      const list = await m.addMember(name, addr, learner);
      const added = list.find((p) => p.name === name);
      return {
        header: h(0),
        ...(added ? { member: memberWire(ctx, added, learner ? [added.id] : []) } : {}),
        members: members(),
      };
    },
    MemberRemove: async (req) => {
      await m.removeMember(big(req.ID));
      return { header: h(0), members: members() };
    },
    MemberUpdate: async () => {
      throw rpcError(Status.UNIMPLEMENTED, 'etcdserver: member update is not supported');
    },
    MemberPromote: async (req) => {
      const id = big(req.ID);
      if (!m.members().some((p) => p.id === id)) throw rpcError(Status.NOT_FOUND, ERR_MEMBER_NOT_FOUND);
      const st = m.status();
      if (!st.learners.includes(id)) throw rpcError(Status.FAILED_PRECONDITION, ERR_MEMBER_NOT_LEARNER);
      // Only the leader knows how far the learner is: etcd's check runs there.
      if (!m.isLeader) return ctx.forwardToLeader('Cluster', 'MemberPromote', req);
      const learner = st.peers.find((p) => p.id === id);
      const self = st.peers.find((p) => p.id === m.id);
      const leaderMatch = self?.match ?? st.lastIndex;
      if ((learner?.match ?? 0) < leaderMatch * LEARNER_READY_PERCENT)
        throw rpcError(Status.FAILED_PRECONDITION, ERR_LEARNER_NOT_READY);
      await m.promoteMember(id);
      return { header: h(0), members: members() };
    },
    // ---- Maintenance
    Alarm: async () => ({ header: h(m.store.currentRevision), alarms: [] }),
    Status: async () => {
      const st = m.status();
      const dbSize = String(m.metrics.lastSnapshotBytes || m.store.snapshot().length);
      return {
        header: h(st.revision),
        version: ctx.version,
        dbSize,
        dbSizeInUse: dbSize,
        leader: u64(st.leader),
        raftIndex: String(st.commit),
        raftTerm: String(st.term),
        raftAppliedIndex: String(st.applied),
        errors: st.leader === 0n ? [ERR_NO_LEADER] : [],
        isLearner: st.learners.includes(m.id),
      };
    },
    Defragment: async () => ({ header: h(m.store.currentRevision) }),
    Hash: async () => {
      const r = m.store.hash();
      return { header: h(r.header.revision), hash: r.hash >>> 0 };
    },
    HashKV: async (req) => {
      const r = m.store.hashKV(num(req.revision));
      return {
        header: h(r.header.revision),
        hash: r.hash >>> 0,
        compact_revision: String(r.compactRevision),
      };
    },
    MoveLeader: async (req) => {
      const target = big(req.targetID);
      if (!m.isLeader) throw rpcError(Status.FAILED_PRECONDITION, ERR_NOT_LEADER);
      if (!m.members().some((p) => p.id === target))
        throw rpcError(Status.FAILED_PRECONDITION, ERR_BAD_LEADER_TRANSFEREE);
      await m.transferLeadership(target);
      return { header: h(m.store.currentRevision) };
    },
  };
}
