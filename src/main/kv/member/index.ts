// Public face of the KV member: a running Raft member (core + WAL + MVCC + transport + clock).
export { Member } from './member';
export type { MemberOptions, StartOptions } from './options';
export type { MemberStatus, PeerStatus } from './status';
export type { PeerInfo } from './envelope';
export { Transport, type PeerAddr, type TransportOptions } from './transport';
export { Clock, DEFAULT_TICK_MS } from './clock';
export { encodeMessage, decodeMessage } from './codec';
export { memberIdOf, clusterIdOf, idHex } from './ids';
export {
  MemberError,
  type MemberErrorCode,
  ERR_NO_LEADER,
  ERR_TIMEOUT,
  ERR_STOPPED,
  ERR_LEADER_CHANGED,
  ERR_NOT_LEADER,
  ERR_MEMBER_NOT_FOUND,
  ERR_MEMBER_EXISTS,
  ERR_REMOVED,
} from './errors';
