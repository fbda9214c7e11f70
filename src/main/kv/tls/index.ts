// Public face of the KV's TLS: a cluster's PKI (CA, member and client certificates) and the mutual
// TLS options its client and peer ports use.
export {
  makeClusterPki,
  memberTls,
  clientTls,
  writePki,
  readPki,
  PKI_FILES,
  type ClusterPki,
  type CertAndKey,
} from './pki';
export { mutualServerOptions, mutualClientOptions, type TlsMaterial } from './options';
