// Errors the state machine returns, with etcd's texts verbatim: clients (etcd3, etcdctl) match on the
// text. `code` is the gRPC status the v3 server answers with (api/v3rpc/rpctypes/error.go).

export type GrpcCode = 'InvalidArgument' | 'NotFound' | 'FailedPrecondition' | 'OutOfRange';

export class MvccError extends Error {
  constructor(
    message: string,
    readonly code: GrpcCode,
  ) {
    super(message);
    this.name = 'MvccError';
  }
}

// mvcc package errors; v3rpc prefixes them with "etcdserver: " on the wire.
export const ERR_COMPACTED = 'mvcc: required revision has been compacted';
export const ERR_FUTURE_REV = 'mvcc: required revision is a future revision';

export const ERR_EMPTY_KEY = 'etcdserver: key is not provided';
export const ERR_KEY_NOT_FOUND = 'etcdserver: key not found';
export const ERR_VALUE_PROVIDED = 'etcdserver: value is provided';
export const ERR_LEASE_PROVIDED = 'etcdserver: lease is provided';
export const ERR_TOO_MANY_OPS = 'etcdserver: too many operations in txn request';
export const ERR_DUPLICATE_KEY = 'etcdserver: duplicate key given in txn request';
export const ERR_LEASE_NOT_FOUND = 'etcdserver: requested lease not found';
export const ERR_LEASE_EXISTS = 'etcdserver: lease already exists';
export const ERR_LEASE_TTL_TOO_LARGE = 'etcdserver: too large lease TTL';

export const compactedError = (): MvccError => new MvccError(ERR_COMPACTED, 'OutOfRange');
export const futureRevError = (): MvccError => new MvccError(ERR_FUTURE_REV, 'OutOfRange');
export const invalidArgument = (message: string): MvccError => new MvccError(message, 'InvalidArgument');
export const leaseNotFound = (): MvccError => new MvccError(ERR_LEASE_NOT_FOUND, 'NotFound');
