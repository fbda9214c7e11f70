// Remote machines (DESIGN.md decision 4): SSH hosts with Docker. Host keys checked against
// Flotilla's own known_hosts, dockerode over the SSH connection, the connection's life with
// keepalives and backoff, and shells on the host.
export { KnownHosts, isRevoked } from './known-hosts';
export { endpointAddress } from './address';
export { connectSsh, probeSsh, type ConnectOptions, type SshConnection } from './connect';
export { probeRemoteHost } from './probe';
export { dockerOverSsh } from './docker-over-ssh';
export { checkRemoteDocker, type RemoteDockerFacts } from './docker-check';
export { startSshExec } from './exec';
export { RemoteLink, type LinkHandlers, type RemoteLinkOptions } from './link';
