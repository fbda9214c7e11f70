// Errors a member raises to its callers. Messages are etcd's (api/v3rpc/rpctypes/error.go) so the
// gRPC layer can pass them through and clients that match on text keep working.
import { NoLeaderError, ProposalDroppedError } from '../raft';

export type MemberErrorCode =
  'Unavailable' | 'DeadlineExceeded' | 'Canceled' | 'FailedPrecondition' | 'NotFound';

export class MemberError extends Error {
  constructor(
    message: string,
    readonly code: MemberErrorCode,
  ) {
    super(message);
    this.name = 'MemberError';
  }
}

export const ERR_NO_LEADER = 'etcdserver: no leader';
export const ERR_TIMEOUT = 'etcdserver: request timed out';
export const ERR_STOPPED = 'etcdserver: server stopped';
export const ERR_LEADER_CHANGED = 'etcdserver: leader changed';
export const ERR_NOT_LEADER = 'etcdserver: not leader';
export const ERR_MEMBER_NOT_FOUND = 'etcdserver: member not found';
export const ERR_MEMBER_EXISTS = 'membership: ID exists';
export const ERR_MEMBER_NOT_LEARNER = 'etcdserver: can only promote a learner member';
export const ERR_REMOVED = 'etcdserver: the member has been permanently removed from the cluster';

export const noLeader = (): MemberError => new MemberError(ERR_NO_LEADER, 'Unavailable');
export const timedOut = (): MemberError => new MemberError(ERR_TIMEOUT, 'Unavailable');
export const stopped = (): MemberError => new MemberError(ERR_STOPPED, 'Unavailable');

/** Why the core refused a proposal, in etcd's words. */
export function mapRaftError(err: unknown): Error {
  if (err instanceof NoLeaderError) return noLeader();
  if (err instanceof ProposalDroppedError) {
    if (err.reason === 'leader-transfer') return new MemberError(ERR_LEADER_CHANGED, 'Unavailable');
    if (err.reason === 'not-member') return new MemberError(ERR_REMOVED, 'FailedPrecondition');
    return new MemberError(`etcdserver: ${err.message}`, 'Unavailable');
  }
  return err as Error;
}
