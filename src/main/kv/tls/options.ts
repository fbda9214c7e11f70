// Mutual TLS as the KV's ports speak it: both sides show a certificate signed by the cluster's CA
// and check the other's against that CA only (never the system's roots).
import type * as tls from 'node:tls';

/** PEM texts: the CA to check the other side against, and this side's certificate and key. */
export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

/** A listener that refuses, at the handshake, any client without a certificate from the CA. */
export function mutualServerOptions(t: TlsMaterial): tls.TlsOptions {
  return {
    ca: t.ca,
    cert: t.cert,
    key: t.key,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    // A connection that never finishes its handshake is not held for Node's default two minutes.
    handshakeTimeout: 10_000,
  };
}

/**
 * A dialler that shows its certificate and checks the server's against the CA and the name dialled
 * (Node checks an IP address against the certificate's IP SANs, a name against its DNS SANs).
 */
export function mutualClientOptions(t: TlsMaterial): tls.ConnectionOptions {
  return { ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: true, minVersion: 'TLSv1.2' };
}
