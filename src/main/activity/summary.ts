/** Names at most three things, then how many more. */
function names(list: string[]): string {
  return list.length <= 3 ? list.join(', ') : `${list.slice(0, 3).join(', ')} and ${list.length - 3} more`;
}

const STATE_VERB: Record<string, string> = { launched: 'Started', loaded: 'Loaded', inactive: 'Unloaded' };

/**
 * One sentence for the activity timeline about a call that changes something; undefined for
 * calls that only read (they are not recorded). `hostOf` turns a machine id into its host name.
 */
export function summarizeCall(
  method: string,
  params: Record<string, unknown>,
  hostOf: (cluster: string | undefined, machineId: string) => string,
): string | undefined {
  const p = params;
  const str = (k: string) => String(p[k] ?? '');
  const list = (k: string) => (Array.isArray(p[k]) ? (p[k] as unknown[]) : []);
  const cluster = typeof p.cluster === 'string' ? p.cluster : undefined;
  switch (method) {
    case 'docker.seedImage':
      return `Seeded image ${str('tag') || 'busybox:latest'}`;
    case 'tasks.cancel':
      return `Canceled task ${str('id')}`;
    case 'clusters.create': {
      const remotes = list('remotes').map((r) => `; ${remoteHost(r as Record<string, unknown>)}`);
      return `Created cluster ${str('name')} (${str('machines')} machine${p.machines === 1 ? '' : 's'}, ${str('channel')}${p.etcd ? ', external etcd' : p.tls ? ', KV with TLS' : ''}${remotes.join('')})`;
    }
    case 'clusters.destroy':
      return `Destroyed cluster ${str('name')}`;
    case 'clusters.start':
      return `Started cluster ${str('name')}`;
    case 'clusters.stop':
      return `Stopped cluster ${str('name')}`;
    case 'clusters.setActive':
      return `Made ${str('name')} the active cluster`;
    case 'units.submit':
      return `Submitted ${names(list('units').map((u) => String((u as { name?: unknown }).name)))}${p.replace ? ' (replace)' : ''}`;
    case 'units.setState':
      return `${STATE_VERB[str('state')] ?? `Set to ${str('state')}`} ${names(list('names').map(String))}`;
    case 'units.destroy':
      return `Destroyed ${names(list('names').map(String))}`;
    case 'units.move':
      return `Moved ${str('name')} to ${hostOf(cluster, str('machineId'))}`;
    case 'machines.stop':
    case 'machines.start':
    case 'machines.kill':
    case 'machines.restart': {
      const verb = { stop: 'Stopped', start: 'Started', kill: 'Killed', restart: 'Restarted' }[
        method.slice('machines.'.length)
      ];
      return `${verb} machine ${str('machine')}`;
    }
    case 'machines.addRemote':
      return `Added ${remoteHost(p)}`;
    case 'machines.remove':
      return `Removed machine ${str('machine')} from the cluster`;
    case 'machines.forgetHostKey':
      return `Forgot the host key of ${str('host')}${p.port === undefined || p.port === 22 ? '' : `:${str('port')}`}`;
    case 'kv.put':
      return `Wrote KV key ${str('key')}${p.expectModRevision !== undefined ? ` (over revision ${str('expectModRevision')})` : ''}`;
    case 'kv.delete':
      return `Deleted KV key ${str('key')}`;
    case 'kv.transferLeader':
      return `Made ${str('machine')}'s KV member the leader`;
    case 'kv.addMember':
      return `Added a KV member on ${str('machine')}`;
    case 'kv.removeMember':
      return `Removed the KV member of ${str('machine')}`;
    case 'updates.check':
      return `Asked ${p.machine ? str('machine') : 'every machine'} to check for updates`;
    case 'updates.setChannel':
      return `Switched ${p.machine ? str('machine') : 'every machine'} to the ${str('channel')} channel`;
    case 'updates.setStrategy': {
      const w = p.window as { start?: unknown; length?: unknown } | null | undefined;
      const window = w
        ? `, window ${String(w.start)} for ${String(w.length)}`
        : w === null
          ? ', no window'
          : '';
      return `Set REBOOT_STRATEGY=${str('strategy')}${window} on ${p.machine ? str('machine') : 'every machine'}`;
    }
    case 'updates.setServer':
      return `Pointed ${p.machine ? str('machine') : 'every machine'} at the feed ${str('server')}`;
    case 'updates.setCheckInterval':
      return `Set the update check interval to ${str('seconds')} s`;
    case 'updates.reboot':
      return `Rebooted ${str('machine')} now`;
    case 'updates.rollback':
      return `Rolled ${str('machine')} back to its other partition`;
    case 'locksmith.lock':
      return `Took a reboot lock slot for ${str('machine')}${p.group ? ` (group ${str('group')})` : ''}`;
    case 'locksmith.unlock':
      return `Released ${str('machine')}'s reboot lock slot${p.group ? ` (group ${str('group')})` : ''}`;
    case 'locksmith.setMax':
      return `Set the reboot lock's max to ${str('max')}${p.group ? ` (group ${str('group')})` : ''}`;
    default:
      return undefined;
  }
}

/** "remote host core@10.0.0.14:2222 as core-04, trusting host key SHA256:…" (an audit names the key trusted). */
function remoteHost(p: Record<string, unknown>): string {
  const ssh = (p.ssh ?? {}) as { user?: unknown; host?: unknown; port?: unknown };
  const port = ssh.port === undefined || ssh.port === 22 ? '' : `:${String(ssh.port)}`;
  const as = p.hostname ? ` as ${String(p.hostname)}` : '';
  const trust = p.acceptFingerprint ? `, trusting host key ${String(p.acceptFingerprint)}` : '';
  return `remote host ${String(ssh.user)}@${String(ssh.host)}${port}${as}${trust}`;
}
