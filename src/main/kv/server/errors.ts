// etcd's v3 errors on the wire (api/v3rpc/rpctypes/error.go): gRPC code + the exact text, which
// clients match on.
import { status as Status } from '@grpc/grpc-js';
import { MemberError } from '../member';
import { MvccError } from '../mvcc';

export const ERR_REQUEST_TOO_LARGE = 'etcdserver: request is too large';
export const ERR_NOT_LEADER = 'etcdserver: not leader';
export const ERR_BAD_LEADER_TRANSFEREE = 'etcdserver: bad leader transferee';
export const ERR_MEMBER_EXIST = 'etcdserver: member ID already exist';
export const ERR_PEER_URL_EXIST = 'etcdserver: Peer URLs already exists';
export const ERR_MEMBER_BAD_URLS = 'etcdserver: given member URLs are invalid';
export const ERR_MEMBER_NOT_FOUND = 'etcdserver: member not found';
export const ERR_MEMBER_NOT_LEARNER = 'etcdserver: can only promote a learner member';
export const ERR_LEARNER_NOT_READY =
  'etcdserver: can only promote a learner member which is in sync with leader';
export const ERR_NO_LEADER = 'etcdserver: no leader';

export class RpcError extends Error {
  constructor(
    readonly code: Status,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export const rpcError = (code: Status, message: string): RpcError => new RpcError(code, message);

const CODES: Record<string, Status> = {
  InvalidArgument: Status.INVALID_ARGUMENT,
  NotFound: Status.NOT_FOUND,
  FailedPrecondition: Status.FAILED_PRECONDITION,
  OutOfRange: Status.OUT_OF_RANGE,
  Unavailable: Status.UNAVAILABLE,
  DeadlineExceeded: Status.DEADLINE_EXCEEDED,
  Canceled: Status.CANCELLED,
};

/** Any error a handler throws, as etcd would answer it. */
export function toRpcError(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  if (err instanceof MvccError) {
    const msg = err.message.startsWith('mvcc: ') ? `etcdserver: ${err.message}` : err.message;
    return new RpcError(CODES[err.code] ?? Status.UNKNOWN, msg);
  }
  if (err instanceof MemberError) {
    if (err.message === 'membership: ID exists')
      return new RpcError(Status.FAILED_PRECONDITION, ERR_MEMBER_EXIST);
    return new RpcError(CODES[err.code] ?? Status.UNKNOWN, err.message);
  }
  const e = err as { code?: unknown; details?: unknown; message?: unknown };
  if (typeof e?.code === 'number' && typeof e.details === 'string') return new RpcError(e.code, e.details);
  return new RpcError(Status.UNKNOWN, String(e?.message ?? err));
}

/** grpc-gateway's HTTP status for a gRPC code (runtime.HTTPStatusFromCode). */
export function httpStatusOf(code: Status): number {
  switch (code) {
    case Status.OK:
      return 200;
    case Status.CANCELLED:
      return 408;
    case Status.INVALID_ARGUMENT:
    case Status.FAILED_PRECONDITION:
    case Status.OUT_OF_RANGE:
      return 400;
    case Status.DEADLINE_EXCEEDED:
      return 504;
    case Status.NOT_FOUND:
      return 404;
    case Status.ALREADY_EXISTS:
    case Status.ABORTED:
      return 409;
    case Status.PERMISSION_DENIED:
      return 403;
    case Status.UNAUTHENTICATED:
      return 401;
    case Status.RESOURCE_EXHAUSTED:
      return 429;
    case Status.UNIMPLEMENTED:
      return 501;
    case Status.UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}
