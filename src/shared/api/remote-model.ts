import { z } from 'zod';

// Beyond one machine: SSH hosts as machines, an external etcd as a cluster's KV, TLS for the
// embedded KV. Both ends validate with these.

/** A host name or an IPv4/IPv6 address, as ssh would take it (no user, no port). */
export const SshHostSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?)$/,
    'must be a host name or an IP address',
  );

export const SshUserSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9._-]{0,31}$/, 'must be a user name (letters, digits, . _ -)');

/** OpenSSH's SHA256 fingerprint: `SHA256:` and 43 base64 characters without padding. */
export const FingerprintSchema = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be a fingerprint like SHA256:… (43 base64 characters)');

/** How to reach an SSH host: address, port, user, credentials and an optional jump host. */
export const SshEndpointSchema = z
  .object({
    host: SshHostSchema,
    port: z.number().int().min(1).max(65535).default(22),
    user: SshUserSchema,
    /**
     * A private key file on the computer running Flotilla (read by the app, never sent anywhere);
     * absent: the keys of the ssh-agent at SSH_AUTH_SOCK.
     */
    identityFile: z.string().min(1).max(4096).optional(),
    /** For an encrypted key file. */
    passphrase: z.string().max(1024).optional(),
    /** A bastion reached first (ssh -J user@host:port); same credentials. */
    jump: z
      .object({
        host: SshHostSchema,
        port: z.number().int().min(1).max(65535).default(22),
        user: SshUserSchema,
      })
      .strict()
      .optional(),
    /** The engine's socket on that host. */
    dockerSocket: z
      .string()
      .regex(/^\/[A-Za-z0-9._/-]{1,255}$/, 'must be an absolute path to a socket')
      .default('/var/run/docker.sock'),
  })
  .strict();
export type SshEndpoint = z.output<typeof SshEndpointSchema>;
export type SshEndpointInput = z.input<typeof SshEndpointSchema>;

/** fleet metadata of a machine: key → value (MachineMetadata= in [X-Fleet] matches them). */
export const MachineMetadataSchema = z.record(
  z.string().regex(/^[A-Za-z0-9_.-]{1,63}$/, 'must be a metadata key (letters, digits, _ . -)'),
  z.string().regex(/^[^\s,=]{1,253}$/, 'must be a metadata value without blanks, commas or ='),
);

/**
 * An SSH host with Docker to become a machine (machines.addRemote, clusters.create's `remotes`):
 * how to reach it, the fingerprint the person accepted on first contact, its name and metadata.
 */
export const RemoteMachineSchema = z
  .object({
    ssh: SshEndpointSchema,
    /** An unknown host key is trusted only when it has this fingerprint; a changed one never. */
    acceptFingerprint: FingerprintSchema.optional(),
    /** Its host name in the cluster; default the next free one of the cluster (core-04). */
    hostname: z
      .string()
      .regex(
        /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
        'must be a host name: lower-case letters, digits, dashes',
      )
      .optional(),
    metadata: MachineMetadataSchema.default({}),
  })
  .strict();
export type RemoteMachine = z.output<typeof RemoteMachineSchema>;
export type RemoteMachineInput = z.input<typeof RemoteMachineSchema>;

/** A host key as the server showed it, checked against known_hosts. */
export const HostKeyFactsSchema = z.object({
  /** `[host]:port` as known_hosts writes it (plain `host` for port 22). */
  hostPattern: z.string(),
  keyType: z.string(),
  fingerprint: FingerprintSchema,
  /** known: matches known_hosts; unknown: first contact; changed: known_hosts has another key. */
  status: z.enum(['known', 'unknown', 'changed']),
  /** For `changed`: the fingerprint known_hosts has, and where. */
  knownFingerprint: z.string().optional(),
  knownHostsFile: z.string(),
  knownHostsLine: z.number().int().optional(),
});
export type HostKeyFacts = z.infer<typeof HostKeyFactsSchema>;

/** What is usable on the host: Docker through the SSH connection, and the engine's version. */
export const RemoteDockerFactsSchema = z.object({
  ok: z.boolean(),
  version: z.string().optional(),
  os: z.string().optional(),
  arch: z.string().optional(),
  /** Why not, and what to do (engine missing, not running, no permission, forwarding refused). */
  problem: z.object({ message: z.string(), hint: z.string() }).optional(),
});

/** machines.probeRemote: the host key (asked about before anything is trusted) and, once trusted, Docker. */
export const RemoteProbeSchema = z.object({
  hostKey: HostKeyFactsSchema,
  /** Absent until the host key is known (nothing is done on a host whose key is not trusted). */
  docker: RemoteDockerFactsSchema.optional(),
  /** The host's own name (uname -n), as a default machine name. */
  hostname: z.string().optional(),
});
export type RemoteProbe = z.infer<typeof RemoteProbeSchema>;

/** A remote machine's SSH link as the board shows it. */
export const RemoteLinkSchema = z.object({
  /** user@host:port (via jump when there is one). */
  address: z.string(),
  state: z.enum(['connecting', 'connected', 'lost']),
  /** While lost: why, and when the next attempt is (epoch ms). */
  problem: z.string().optional(),
  retryAt: z.number().optional(),
  fingerprint: z.string().optional(),
});
export type RemoteLink = z.infer<typeof RemoteLinkSchema>;

const Pem = z
  .string()
  .min(1)
  .max(64_000)
  .regex(/-----BEGIN [A-Z0-9 ]+-----/, 'must be PEM text (-----BEGIN …-----)');

/** An existing etcd v3 cluster a Flotilla cluster keeps its state in. */
export const ExternalEtcdSchema = z
  .object({
    endpoints: z
      .array(
        z.string().regex(/^https?:\/\/[^\s/]+$/, 'must be an etcd client URL like https://10.0.0.5:2379'),
      )
      .min(1)
      .max(15),
    /**
     * Every key of this cluster lives under it, so several clusters can share one etcd; default
     * /flotilla/<cluster>/. Must end with "/".
     */
    prefix: z
      .string()
      .regex(/^\/[A-Za-z0-9._/-]{0,200}\/$/, 'must start and end with "/" (like /flotilla/demo/)')
      .optional(),
    /** PEM texts (the CLI reads the files): the CA that signed the servers, the client's cert and key. */
    caCert: Pem.optional(),
    cert: Pem.optional(),
    key: Pem.optional(),
    username: z.string().min(1).max(128).optional(),
    password: z.string().max(1024).optional(),
  })
  .strict();
export type ExternalEtcd = z.output<typeof ExternalEtcdSchema>;

/** clusters.checkEtcd: what answered at those endpoints. */
export const EtcdCheckSchema = z.object({
  version: z.string(),
  clusterId: z.string(),
  members: z.array(z.object({ name: z.string(), clientUrls: z.array(z.string()) })),
  /** The prefix this cluster would use, and how many keys are under it already (0 = unused). */
  prefix: z.string(),
  keysUnderPrefix: z.number().int(),
});
export type EtcdCheck = z.infer<typeof EtcdCheckSchema>;

/** Where a cluster keeps its state. */
export const ClusterKvSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('embedded'),
    /** TLS on: client-certificate authentication on the client ports and TLS between members. */
    tls: z
      .object({
        /** Files an etcdctl needs (--cacert, --cert, --key). */
        caFile: z.string(),
        certFile: z.string(),
        keyFile: z.string(),
      })
      .optional(),
  }),
  z.object({
    kind: z.literal('external'),
    endpoints: z.array(z.string()),
    prefix: z.string(),
    tls: z.boolean(),
    auth: z.boolean(),
    /** The PEM files given, kept in the cluster's dir for etcdctl (--cacert, --cert, --key). */
    caFile: z.string().optional(),
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    /** The etcd user (etcdctl --user asks for the password). */
    username: z.string().optional(),
  }),
]);
export type ClusterKv = z.infer<typeof ClusterKvSchema>;
