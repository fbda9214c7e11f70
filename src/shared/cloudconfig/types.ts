// Types of the cloud-config model: what a machine's cloud-config says, once parsed and checked.
// Positions are 1-based, as editors (CodeMirror) and compilers print them.

export type Channel = 'stable' | 'beta' | 'alpha';

/** A problem found in a cloud-config (or a coreos-vagrant file), with the range an editor marks. */
export interface CloudConfigDiagnostic {
  line: number;
  column: number;
  /** Where the marked range ends; the end column is just past its last character. */
  endLine: number;
  endColumn: number;
  severity: 'error' | 'warning';
  /** What is wrong and what to do, starting with the path it is about. */
  message: string;
  /** The document path the problem is about, e.g. `coreos.units[1].command`; '' for the document. */
  path: string;
}

export type UnitCommand =
  'start' | 'stop' | 'restart' | 'reload' | 'try-restart' | 'reload-or-restart' | 'reload-or-try-restart';

export type RebootStrategy = 'reboot' | 'etcd-lock' | 'best-effort' | 'off';

export interface CloudUnit {
  name: string;
  command?: UnitCommand;
  enable?: boolean;
  runtime?: boolean;
  mask?: boolean;
  content?: string;
  dropIns: { name: string; content: string }[];
}

export interface CloudWriteFile {
  path: string;
  /** The bytes to write, `encoding` (base64 and/or gzip) already undone. */
  content: Uint8Array;
  /** Mode bits, e.g. 0o644 (the default when the document gives none). */
  permissions: number;
  /** `user` or `user:group`. */
  owner?: string;
}

export interface CloudUser {
  name: string;
  sshAuthorizedKeys: string[];
  groups: string[];
  homedir?: string;
  shell?: string;
}

export interface CloudConfig {
  hostname?: string;
  /** Keys for the core user. */
  sshAuthorizedKeys: string[];
  users: CloudUser[];
  writeFiles: CloudWriteFile[];
  manageEtcHosts?: 'localhost';
  coreos: {
    /** The etcd2 section (or the etcd section when there is no etcd2), keys spelled with dashes. */
    etcd2: Record<string, string>;
    fleet: {
      /** `metadata: "k=v,k2=v2"` taken apart. */
      metadata: Record<string, string>;
      publicIp?: string;
      /** The other fleet settings (e.g. `etcd-servers`, `agent-ttl`), keys spelled with dashes. */
      other: Record<string, string>;
    };
    update: { group?: string; rebootStrategy?: RebootStrategy; server?: string };
    locksmith: { windowStart?: string; windowLength?: string; group?: string; endpoint?: string };
    units: CloudUnit[];
  };
}
