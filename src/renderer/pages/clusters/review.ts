// The review step's model: the cloud-config each machine will boot with (generated from the draft
// with the real addresses, or as the person edited it) and what the checker says about it.
import type { CallResult } from '../../../shared/api';
import { sshEndpoint } from '../../remote/remote-form';
import { parseCloudConfig, renderCloudConfig, type CloudConfigDiagnostic } from '../../../shared/cloudconfig';
import {
  endpointList,
  etcdPrefix,
  hostnames,
  machineCount,
  machineDraft,
  membersText,
  remoteNames,
  type Draft,
} from './draft';

export type Network = CallResult<'clusters.addresses'>;

export interface MachineConfig {
  host: string;
  /** The cloud-config as generated; undefined when it cannot be (see `problem`). */
  generated: string | undefined;
  /** Why it cannot be generated (e.g. the user-data has errors). */
  problem?: string;
  /** What the machine will boot with: the edit, else the generated one. */
  text: string;
  edited: boolean;
  diagnostics: CloudConfigDiagnostic[];
  errors: number;
}

function checked(
  host: string,
  generated: string | undefined,
  text: string,
  edited: boolean,
  problem?: string,
) {
  const diagnostics = parseCloudConfig(text).diagnostics;
  return {
    host,
    generated,
    ...(problem ? { problem } : {}),
    text,
    edited,
    diagnostics,
    errors: diagnostics.filter((d) => d.severity === 'error').length,
  };
}

/** Each machine's generated cloud-config: renderCloudConfig with the addresses of `network`. */
export function generateConfigs(d: Draft, network: Network): MachineConfig[] {
  const hosts = hostnames(d.prefix, machineCount(d));
  return hosts.map((host, i) => {
    const ip = network.ips[host] ?? '';
    try {
      const generated = renderCloudConfig(
        {
          cluster: d.name,
          hostname: host,
          publicIpv4: ip,
          privateIpv4: ip,
          channel: d.channel,
          rebootStrategy: d.rebootStrategy,
          ...(d.rebootWindow ? { rebootWindow: d.rebootWindow } : {}),
          metadata: machineDraft(d, i).metadata,
          sshAuthorizedKeys: d.sshKeys.map((k) => k.key),
          // The KV members' client ports are picked when the cluster is created, so the review
          // cannot name them; fleet's etcd-servers is filled in then.
          etcdEndpoints: [],
        },
        d.userData?.text,
      );
      return checked(host, generated, generated, false);
    } catch (err) {
      return checked(host, undefined, '', false, err instanceof Error ? err.message : String(err));
    }
  });
}

/** The generated configs with the person's edits laid over them. */
export function withEdits(generated: MachineConfig[], edited: Record<string, string>): MachineConfig[] {
  return generated.map((m) => {
    const text = edited[m.host];
    return text === undefined ? m : checked(m.host, m.generated, text, true, m.problem);
  });
}

/** Whether every machine has a config that may be sent: generated or edited, and without errors. */
export function readyToCreate(configs: MachineConfig[]): boolean {
  return configs.every((m) => (m.edited || m.generated !== undefined) && m.errors === 0);
}

/** The draft with `host`'s config set to `text`; an edit back to the generated text is no edit. */
export function editConfig(d: Draft, host: string, text: string, generated: string | undefined): Draft {
  const edited = { ...d.edited };
  if (text === generated) delete edited[host];
  else edited[host] = text;
  return { ...d, edited };
}

/** Where the cluster will keep its state, in one sentence for the review. */
export function kvSummary(d: Draft): string {
  if (d.kv === 'embedded') {
    const members = Number(membersText(d));
    const hosts = hostnames(d.prefix, members);
    const on = members === 1 ? hosts[0] : `${hosts[0]} … ${hosts[members - 1]}`;
    return `${members} embedded KV ${members === 1 ? 'member' : 'members'} on ${on}${
      d.tls ? ', secured with TLS (client certificates)' : ', without TLS'
    }.`;
  }
  const e = d.etcd;
  const files = [
    e.caCert && `CA certificate ${e.caCert.file}`,
    e.cert && `client certificate ${e.cert.file}`,
    e.key && `client key ${e.key.file}`,
  ].filter(Boolean);
  const user = e.username.trim();
  return [
    `The existing etcd at ${endpointList(e.endpoints).join(', ')}, keys under ${etcdPrefix(d)}`,
    ...(files.length ? [files.join(', ')] : []),
    ...(user ? [`user ${user}${e.password ? ' with a password' : ''}`] : []),
  ]
    .join('; ')
    .concat('.');
}

/** "core-04 (core@10.0.0.21:22), core-05 (…); they join once the local machines are up." */
export function remoteSummary(d: Draft): string {
  const names = remoteNames(d);
  const hosts = d.remotes.map((r, i) => {
    const ssh = sshEndpoint(r.form);
    return `${names[i]} (${ssh.user}@${ssh.host}:${ssh.port})`;
  });
  return `${hosts.join(', ')}; ${hosts.length === 1 ? 'it joins' : 'they join'} over SSH once the local machines are up.`;
}
