// Public face of the KV's client-side helpers: a key-prefix namespace for etcd3/grpc-js clients.
export { namespaceInterceptor, ERR_EMPTY_KEY } from './namespace';
