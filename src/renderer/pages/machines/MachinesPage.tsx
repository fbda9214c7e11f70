import { Alert } from '@mui/material';
import { useCallback, useMemo, useState } from 'react';
import type { MachineInfo } from '../../../shared/api';
import { clusterFlag, flotctl } from '../../actions/flotctl';
import { useRegisterActions, type AppAction } from '../../actions/registry';
import { useApi } from '../../api/hooks';
import { useCurrentCluster, useMachines, useUnits } from '../../api/live';
import { useNotify } from '../../app/notify';
import { AddMachineButton } from './AddMachineButton';
import { AddRemoteDialog } from '../../remote/AddRemoteDialog';
import { nextMachineName } from '../../remote/remote-form';
import { Board, type MoveRequest } from './Board';
import type { UnitRef } from './board-context';
import { PageFrame } from '../../components/PageFrame';
import { ClusterGuide, NoUnitsHint, useStartCluster } from './ClusterGuide';
import { MACHINE_ACTIONS, actionAvailable, machineCommand, type MachineAction } from './machine-actions';
import { MachineActionDialog } from './MachineActionDialog';
import { MoveToDialog } from './MoveToDialog';
import { PlanDialog } from './PlanDialog';
import { hostNames, hostOf } from './verdicts';
import { useMachineUpdates, useUpdatesView } from '../updates/useUpdatesView';

type OpenDialog =
  | { kind: 'moveTo'; unit: string; from: string | undefined }
  | { kind: 'plan'; unit: string; from: string | undefined; to: MachineInfo }
  | { kind: 'machine'; machine: MachineInfo; action: MachineAction }
  | { kind: 'addRemote' };

/** The Machines page: the live board of the current cluster, its dialogs and its palette actions. */
export function MachinesPage() {
  const api = useApi();
  const notify = useNotify();
  const { cluster, clusters } = useCurrentCluster();
  const machines = useMachines(cluster);
  const units = useUnits(cluster);
  const updates = useMachineUpdates(
    useUpdatesView(cluster?.state === 'running' ? cluster.name : undefined).view,
  );
  const [dialog, setDialog] = useState<OpenDialog>();
  const [selected, setSelected] = useState<UnitRef>();
  const clusterName = cluster?.name;
  const clusterArgs = useMemo(
    () => (clusterName ? clusterFlag(clusterName, cluster?.active ?? false) : []),
    [clusterName, cluster?.active],
  );
  const names = useMemo(() => hostNames(machines.items), [machines.items]);

  const loadMoveTargets = useCallback(
    (unit: string) => api.call('plan.moveTargets', { cluster: clusterName, unit }).then((r) => r.targets),
    [api, clusterName],
  );
  const onMove = useCallback(
    ({ unit, from, to }: MoveRequest) => setDialog({ kind: 'plan', unit, from, to }),
    [],
  );
  const onDropRefused = useCallback(
    (unit: string, to: MachineInfo, reason: string) =>
      notify.info(`${unit} can't move to ${to.name}: ${reason}`),
    [notify],
  );
  const onMoveTo = useCallback(({ unit, from }: UnitRef) => setDialog({ kind: 'moveTo', unit, from }), []);
  const onMachineAction = useCallback(
    (machine: MachineInfo, action: MachineAction) => setDialog({ kind: 'machine', machine, action }),
    [],
  );

  const applyMove = async (unit: string, from: string | undefined, to: MachineInfo) => {
    await api.call('units.move', { cluster: clusterName, name: unit, machineId: to.id });
    setDialog(undefined);
    if (!from) return notify.success(`Moved ${unit} to ${to.name}`);
    const back = hostOf(names, from);
    notify.undoable(`Moved ${unit} to ${to.name}`, () => {
      api.call('units.move', { cluster: clusterName, name: unit, machineId: from }).then(
        () => notify.info(`Moved ${unit} back to ${back}`),
        (err: unknown) => notify.error(err, `Moving ${unit} back to ${back}`),
      );
    });
  };
  const runMachineAction = async (machine: MachineInfo, action: MachineAction) => {
    await api.call(`machines.${action}`, { cluster: clusterName, machine: machine.name });
    setDialog(undefined);
    const info = MACHINE_ACTIONS.find((a) => a.action === action)!;
    notify.info(`${info.progress} ${machine.name}… its progress shows in the status bar`);
  };
  const onRemoteAdded = (_taskId: string, name: string) => {
    // The board shows the new machine through its machines.changed watch.
    setDialog(undefined);
    notify.info(`Adding ${name}… its progress shows in the status bar`);
  };
  const startCluster = useStartCluster(clusterName);

  const running = cluster?.state === 'running';
  usePaletteActions(machines.items, selected, clusterArgs, running, setDialog);

  return (
    <PageFrame
      title="Machines"
      fill
      actions={
        cluster && <AddMachineButton disabled={!running} onRemote={() => setDialog({ kind: 'addRemote' })} />
      }
      aside={
        cluster &&
        machines.loaded &&
        `${cluster.name} · ${machines.items.length} ${machines.items.length === 1 ? 'machine' : 'machines'}${
          running && units.loaded
            ? ` · ${units.items.length} ${units.items.length === 1 ? 'unit' : 'units'}`
            : ''
        }`
      }
    >
      <ClusterGuide cluster={cluster} clusters={clusters} onStart={startCluster} />
      {running && machines.error && (
        <Alert severity="error">The machine list stopped updating: {machines.error.message}</Alert>
      )}
      {running && units.error && (
        <Alert severity="error">The unit list stopped updating: {units.error.message}</Alert>
      )}
      {running && units.loaded && units.items.length === 0 && <NoUnitsHint clusterArgs={clusterArgs} />}
      {cluster && machines.items.length > 0 && (
        <Board
          machines={machines.items}
          units={units.items}
          loadMoveTargets={loadMoveTargets}
          onMove={onMove}
          onDropRefused={onDropRefused}
          onMoveTo={onMoveTo}
          onMachineAction={onMachineAction}
          onSelect={setSelected}
          updates={updates}
        />
      )}
      {dialog?.kind === 'moveTo' && (
        <MoveToDialog
          unit={dialog.unit}
          from={dialog.from}
          machines={machines.items}
          loadTargets={() => loadMoveTargets(dialog.unit)}
          onChoose={(to) => setDialog({ kind: 'plan', unit: dialog.unit, from: dialog.from, to })}
          onClose={() => setDialog(undefined)}
        />
      )}
      {dialog?.kind === 'plan' && (
        <PlanDialog
          unit={dialog.unit}
          from={dialog.from}
          to={dialog.to}
          machines={machines.items}
          command={flotctl('move', ...clusterArgs, dialog.unit, dialog.to.name)}
          loadPlan={() =>
            api.call('plan.preview', {
              cluster: clusterName,
              change: { kind: 'move', unit: dialog.unit, machineId: dialog.to.id },
            })
          }
          onApply={() => applyMove(dialog.unit, dialog.from, dialog.to)}
          onClose={() => setDialog(undefined)}
        />
      )}
      {dialog?.kind === 'machine' && (
        <MachineActionDialog
          machine={dialog.machine}
          action={dialog.action}
          command={machineCommand(dialog.action, dialog.machine.name, clusterArgs)}
          onConfirm={() => runMachineAction(dialog.machine, dialog.action)}
          onClose={() => setDialog(undefined)}
        />
      )}
      {dialog?.kind === 'addRemote' && (
        <AddRemoteDialog
          purpose={{ kind: 'add', cluster: clusterName, onAdded: onRemoteAdded }}
          clusterArgs={clusterArgs}
          taken={machines.items.map((m) => m.name)}
          defaultName={nextMachineName(machines.items)}
          onClose={() => setDialog(undefined)}
        />
      )}
    </PageFrame>
  );
}

/**
 * The command palette's Machines actions: move the focused unit (m), each machine's lifecycle, and
 * adding a remote host.
 */
function usePaletteActions(
  machines: MachineInfo[],
  selected: UnitRef | undefined,
  clusterArgs: readonly string[],
  running: boolean,
  open: (dialog: OpenDialog) => void,
): void {
  const actions: AppAction[] = [];
  if (running)
    actions.push({
      id: 'machines.addRemote',
      title: 'Add machine: remote host (SSH)…',
      section: 'Machines',
      keywords: 'ssh remote host docker add machine',
      perform: () => open({ kind: 'addRemote' }),
    });
  if (selected)
    actions.push({
      id: 'machines.moveSelected',
      title: `Move selected unit (${selected.unit}) to…`,
      section: 'Machines',
      shortcut: 'm',
      keywords: 'drag reschedule machine',
      perform: () => open({ kind: 'moveTo', unit: selected.unit, from: selected.from }),
    });
  for (const machine of machines)
    for (const a of MACHINE_ACTIONS)
      if (actionAvailable(machine, a.action))
        actions.push({
          id: `machines.${a.action}.${machine.id}`,
          title: `${a.title(`machine ${machine.name}`)}…`,
          section: 'Machines',
          keywords: `${a.action} ${machine.name} ${machine.ip}`,
          perform: () => open({ kind: 'machine', machine, action: a.action }),
          flotctl: machineCommand(a.action, machine.name, clusterArgs),
        });
  const machinesKey = machines
    .map((m) => `${m.id}:${m.name}:${m.health}:${m.life}:${String(m.kvMember)}`)
    .join(',');
  useRegisterActions(actions, [selected?.unit, selected?.from, machinesKey, clusterArgs.join(' '), running]);
}
