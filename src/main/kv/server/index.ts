// Public face of the etcd v3 client endpoint (gRPC + JSON gateway) over a KV member.
export { KvServer, MAX_REQUEST_BYTES, REPORTED_VERSION, type KvServerOptions } from './server';
export { protoDir, packageDefinition } from './proto';
export { toJson, fromJson } from './json';
