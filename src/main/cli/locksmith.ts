// flotctl locksmith …: locksmithctl's status, lock, unlock and set-max on a cluster's reboot
// semaphore (../shared/reference/coreos.md §3), printing what locksmithctl prints.
import { calls, type CallParams } from '../../shared/api';
import { resolveDataDir } from '../app';
import { formatLockStatus, formatSetMax } from '../updates/locksmith';
import { callApi, findApp } from './client';
import type { Io } from './io';
import { UsageError, parseFlags } from './usage';

export const LOCKSMITH_HELP = `  locksmith status [--group G]
                         the reboot lock (locksmithctl status): Available, Max and the
                         MACHINE IDs that hold it
  locksmith lock ID [--group G]
                         take a reboot slot for a machine; prints nothing when it worked
  locksmith unlock ID [--group G]
                         give a machine's slot back; prints nothing when it worked
  locksmith set-max N [--group G]
                         how many machines may reboot at once; prints Old: and New:
                         ID: host name (core-01), machine id or a unique id prefix; unlike
                         locksmithctl, ID is required: flotctl does not run inside a machine.
                         --group: a LOCKSMITHD_GROUP's own semaphore; --cluster NAME`;

const SUBCOMMANDS = ['status', 'lock', 'unlock', 'set-max'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

/** A parsed `flotctl locksmith …` command line. */
export type LocksmithRequest = {
  dataDir: string | undefined;
  cluster: string | undefined;
  group?: string;
} & ({ sub: 'status' } | { sub: 'lock' | 'unlock'; machine: string } | { sub: 'set-max'; max: number });

/** `flotctl locksmith ARGS` → the request; UsageError (exit 2) for what the API would refuse anyway. */
export function parseLocksmithArgs(args: string[]): LocksmithRequest {
  const [sub, ...rest] = args;
  if (!SUBCOMMANDS.includes(sub as Sub))
    throw new UsageError(
      sub
        ? `locksmith: unknown subcommand '${sub}' (try: ${SUBCOMMANDS.join(', ')})`
        : `locksmith: missing subcommand (${SUBCOMMANDS.join(', ')})`,
    );
  const cmd = `locksmith ${sub}`;
  const { values, positionals } = parseFlags(
    cmd,
    rest,
    { 'data-dir': { type: 'string' }, cluster: { type: 'string' }, group: { type: 'string' } },
    true,
  );
  const req: { dataDir: string | undefined; cluster: string | undefined; group?: string } = {
    dataDir: values['data-dir'],
    cluster: values.cluster,
  };
  if (values.group !== undefined) {
    // The contract's rule for group names, so the CLI refuses exactly what the service would.
    const group = calls['locksmith.status'].params.shape.group.safeParse(values.group);
    if (!group.success)
      throw new UsageError(`${cmd}: --group ${group.error.issues[0]?.message}, got '${values.group}'`);
    if (group.data) req.group = group.data;
  }
  switch (sub as Sub) {
    case 'status':
      if (positionals.length) throw new UsageError(`${cmd}: unexpected argument '${positionals[0]}'`);
      return { ...req, sub: 'status' };
    case 'lock':
    case 'unlock': {
      // locksmithctl defaults to /etc/machine-id; flotctl runs on the host, so there is none to read.
      if (positionals.length !== 1)
        throw new UsageError(
          `${cmd}: give exactly one machine ID (flotctl runs outside the machines, so there is no default)`,
        );
      return { ...req, sub: sub as 'lock' | 'unlock', machine: positionals[0]! };
    }
    case 'set-max': {
      const text = positionals.length === 1 ? positionals[0]! : undefined;
      if (text === undefined) throw new UsageError(`${cmd}: give the new maximum N`);
      const max = calls['locksmith.setMax'].params.shape.max.safeParse(
        /^\d+$/.test(text) ? Number(text) : NaN,
      );
      if (!max.success)
        throw new UsageError(`${cmd}: N must be a whole number from 1 to 1000, got '${text}'`);
      return { ...req, sub: 'set-max', max: max.data };
    }
  }
}

export async function locksmithCommand(args: string[], io: Io): Promise<number> {
  const req = parseLocksmithArgs(args);
  const api = await findApp(resolveDataDir(req.dataDir));
  const scope: CallParams<'locksmith.status'> = {};
  if (req.cluster !== undefined) scope.cluster = req.cluster;
  if (req.group !== undefined) scope.group = req.group;
  switch (req.sub) {
    case 'status':
      for (const line of formatLockStatus(await callApi(api, 'locksmith.status', scope))) io.out(line);
      return 0;
    case 'lock':
    case 'unlock':
      // Silent on success, as locksmithctl: refusals (no free slot, not a holder) come back as errors.
      await callApi(api, `locksmith.${req.sub}`, { ...scope, machine: req.machine });
      return 0;
    case 'set-max':
      for (const line of formatSetMax(await callApi(api, 'locksmith.setMax', { ...scope, max: req.max })))
        io.out(line);
      return 0;
  }
}
