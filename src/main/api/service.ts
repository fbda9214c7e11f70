import {
  ApiError,
  calls,
  events,
  fromZodError,
  isCallName,
  isEventName,
  type AppInfo,
  type CallName,
  type CallResult,
  type EventName,
  type EventPayload,
} from '../../shared/api';
import { summarizeCall, type ActivityLog, type Actor } from '../activity';
import type { ClusterManager } from '../clusters';
import type { EngineMonitor } from '../docker';
import { seedBusybox } from '../docker';
import type { ShellSessions } from '../shell';
import type { TaskManager } from '../tasks';

export interface ServiceDeps {
  info: AppInfo;
  engine: EngineMonitor;
  tasks: TaskManager;
  clusters: ClusterManager;
  shells: ShellSessions;
  activity: ActivityLog;
}

type Handlers = {
  [M in CallName]: (params: ReturnType<(typeof calls)[M]['params']['parse']>) => Promise<CallResult<M>>;
};
type Subscribers = {
  [E in EventName]: (
    params: ReturnType<(typeof events)[E]['params']['parse']>,
    emit: (payload: EventPayload<E>) => void,
    /** Ends the subscription with an error found after it started (sent as an `end` frame). */
    fail: (err: Error) => void,
  ) => () => void;
};

/**
 * The one implementation of src/shared's contract. Transports (IPC, HTTP/WebSocket) hand it
 * untrusted names and params; it validates them here, once, for every transport.
 */
export class ApiService {
  private readonly handlers: Handlers;
  private readonly subscribers: Subscribers;
  private readonly activity: ActivityLog;
  private readonly clusters: ClusterManager;

  constructor(deps: ServiceDeps) {
    this.activity = deps.activity;
    this.clusters = deps.clusters;
    const { engine, tasks, clusters, shells } = deps;
    const fleet = (p: { cluster?: string | undefined }) => clusters.control(p.cluster);
    const requireEngine = () => {
      const s = engine.current();
      if (s.state !== 'connected')
        throw new ApiError('ENGINE_UNAVAILABLE', s.problem?.message ?? 'The Docker engine is not connected', {
          hint: s.problem?.hint,
        });
    };
    this.handlers = {
      'app.info': async () => deps.info,
      'docker.status': async () => engine.current(),
      'docker.seedImage': async (p) => {
        requireEngine();
        const tag = p.tag ?? 'busybox:latest';
        const task = tasks.start({ kind: 'docker.seed', title: `Seed image ${tag}` }, (ctx) =>
          seedBusybox(engine.docker, ctx, { tag, offline: p.offline }),
        );
        return { taskId: task.id };
      },
      'tasks.list': async () => tasks.list(),
      'tasks.get': async (p) => tasks.get(p.id),
      'tasks.cancel': async (p) => ({ canceled: tasks.cancel(p.id) }),
      'clusters.list': async () => clusters.list(),
      'clusters.create': async (p) => {
        requireEngine();
        const task = await clusters.create(p);
        return { taskId: task.id };
      },
      'clusters.checkEtcd': async (p) => clusters.checkEtcd(p.name, p.etcd),
      'clusters.addresses': async (p) => {
        requireEngine();
        return clusters.addresses(p.machines, p.prefix);
      },
      'clusters.destroy': async (p) => {
        requireEngine();
        return { taskId: clusters.destroy(p.name).id };
      },
      'clusters.setActive': async (p) => {
        await clusters.setActive(p.name);
        return {};
      },
      'clusters.start': async (p) => {
        requireEngine();
        return { taskId: clusters.start(p.name).id };
      },
      'clusters.stop': async (p) => ({ taskId: clusters.stop(p.name).id }),
      'machines.stop': async (p) => ({ taskId: clusters.machineLife(p.cluster, p.machine, 'stop').id }),
      'machines.start': async (p) => {
        requireEngine();
        return { taskId: clusters.machineLife(p.cluster, p.machine, 'start').id };
      },
      'machines.kill': async (p) => ({ taskId: clusters.machineLife(p.cluster, p.machine, 'kill').id }),
      'machines.restart': async (p) => {
        requireEngine();
        return { taskId: clusters.machineLife(p.cluster, p.machine, 'restart').id };
      },
      'machines.probeRemote': async (p) => clusters.probeRemote(p.cluster, p.ssh, p.acceptFingerprint),
      'machines.addRemote': async (p) => {
        requireEngine();
        return { taskId: (await clusters.addRemote(p)).id };
      },
      'machines.remove': async (p) => ({ taskId: clusters.removeMachine(p.cluster, p.machine).id }),
      'machines.forgetHostKey': async (p) => ({ removed: await clusters.forgetHostKey(p.host, p.port) }),
      'journal.read': async (p) => clusters.get(p.cluster).readJournal(p),
      'shell.input': async (p) => {
        shells.input(p.sessionId, p.data, p.eof);
        return {};
      },
      'shell.resize': async (p) => {
        shells.resize(p.sessionId, p.cols, p.rows);
        return {};
      },
      'units.list': async (p) => fleet(p).listUnits(),
      'units.get': async (p) => fleet(p).getUnit(p.name),
      'units.submit': async (p) => ({ results: await fleet(p).submit(p.units, p.replace) }),
      'units.setState': async (p) => ({ units: await fleet(p).setState(p.names, p.state) }),
      'units.destroy': async (p) => ({ destroyed: await fleet(p).destroy(p.names) }),
      'units.move': async (p) => fleet(p).move(p.name, p.machineId),
      'plan.preview': async (p) => fleet(p).plan(p.change),
      'plan.moveTargets': async (p) => ({
        unit: p.unit,
        targets: fleet(p).moveTargets(p.unit, clusters.get(p.cluster).listMachines()),
      }),
      'machines.list': async (p) => clusters.get(p.cluster).listMachines(),
      'engine.status': async (p) => fleet(p).engineInfo(),
      'kv.list': async (p) => clusters.get(p.cluster).kvExplorer().list(p),
      'kv.get': async (p) => clusters.get(p.cluster).kvExplorer().get(p.key),
      'kv.put': async (p) => clusters.get(p.cluster).kvExplorer().put(p),
      'kv.delete': async (p) => clusters.get(p.cluster).kvExplorer().delete(p),
      'kv.history': async (p) => clusters.get(p.cluster).kvExplorer().history(p.key, p.limit),
      'kv.leases': async (p) => clusters.get(p.cluster).kvExplorer().leases(),
      'kv.transferLeader': async (p) => ({ leader: await clusters.get(p.cluster).transferLeader(p.machine) }),
      'kv.addMember': async (p) => ({ taskId: clusters.kvMembership(p.cluster, p.machine, 'add').id }),
      'kv.removeMember': async (p) => ({ taskId: clusters.kvMembership(p.cluster, p.machine, 'remove').id }),
      'updates.status': async (p) => clusters.get(p.cluster).updates.view(),
      'updates.check': async (p) => ({ machines: clusters.get(p.cluster).updates.check(p.machine) }),
      'updates.setChannel': async (p) => ({
        machines: await clusters.get(p.cluster).updates.setChannel(p.machine, p.channel),
      }),
      'updates.setStrategy': async (p) => ({
        machines: await clusters.get(p.cluster).updates.setStrategy(p.machine, p.strategy, p.window),
      }),
      'updates.setServer': async (p) => ({
        machines: await clusters.get(p.cluster).updates.setServer(p.machine, p.server),
      }),
      'updates.setCheckInterval': async (p) => {
        await clusters.get(p.cluster).updates.setCheckInterval(p.seconds);
        return {};
      },
      'updates.reboot': async (p) => ({ taskId: clusters.updateReboot(p.cluster, p.machine, 'reboot').id }),
      'updates.rollback': async (p) => ({
        taskId: clusters.updateReboot(p.cluster, p.machine, 'rollback').id,
      }),
      'locksmith.status': async (p) => clusters.get(p.cluster).updates.lockStatus(p.group),
      'locksmith.lock': async (p) => clusters.get(p.cluster).updates.lock(p.machine, p.group),
      'locksmith.unlock': async (p) => clusters.get(p.cluster).updates.unlock(p.machine, p.group),
      'locksmith.setMax': async (p) => clusters.get(p.cluster).updates.setMax(p.max, p.group),
    };
    this.subscribers = {
      'docker.status': (_p, emit) => {
        emit(engine.current());
        return engine.onChange(emit);
      },
      'activity.changed': (_p, emit) => {
        for (const e of deps.activity.recent()) emit(e);
        return deps.activity.onEntry(emit);
      },
      'clusters.changed': (_p, emit) => {
        emit(clusters.list());
        return clusters.onChanged(emit);
      },
      'tasks.changed': (_p, emit) => {
        for (const t of tasks.list()) emit(t);
        return tasks.onChanged(emit);
      },
      'units.changed': (p, emit) => fleet(p).subscribeUnits(emit),
      'machines.changed': (p, emit) => clusters.get(p.cluster).subscribeMachines(emit),
      'engine.decisions': (p, emit) => {
        const f = fleet(p);
        for (const d of f.engineInfo().decisions) emit(d);
        return f.onDecision(emit);
      },
      'journal.follow': (p, emit) => clusters.get(p.cluster).followJournal(p, emit),
      'kv.watch': (p, emit, fail) =>
        clusters.get(p.cluster).kvExplorer().watch(p.prefix, p.fromRevision, emit, fail),
      'kv.health': (p, emit) => clusters.get(p.cluster).subscribeKvHealth(emit),
      'updates.changed': (p, emit) => clusters.get(p.cluster).updates.subscribe(emit),
      'shell.session': (p, emit, fail) => {
        const host = clusters.get(p.cluster);
        return shells.open(() => host.shellTarget(p.target), p, emit, fail);
      },
    };
  }

  /**
   * Validates and runs a call. Always resolves to a result or throws an ApiError. Calls that
   * change something go into the activity timeline with who made them.
   */
  async call(method: string, params: unknown, actor: Actor = 'flotctl'): Promise<unknown> {
    if (!isCallName(method)) throw new ApiError('NOT_FOUND', `unknown API call '${method}'`);
    const parsed = calls[method].params.safeParse(params ?? {});
    if (!parsed.success) throw fromZodError(parsed.error, `params of ${method}`);
    const p = parsed.data as Record<string, unknown>;
    const summary = summarizeCall(method, p, (cluster, id) => this.hostOf(cluster, id));
    const record = (error?: ApiError) =>
      summary &&
      this.activity.record({
        actor,
        action: method,
        summary,
        outcome: error ? 'failed' : 'ok',
        ...this.clusterOf(method, p),
        ...(error ? { error: error.message } : {}),
      });
    try {
      const handler = this.handlers[method] as (p: unknown) => Promise<unknown>;
      const result = await handler(parsed.data);
      record();
      return result;
    } catch (err) {
      const e = ApiError.from(err);
      record(e);
      throw e;
    }
  }

  /** Which cluster a recorded call was about: the named one, else the one it went to. */
  private clusterOf(method: string, p: Record<string, unknown>): { cluster?: string } {
    const named = method.startsWith('clusters.') ? p.name : p.cluster;
    if (typeof named === 'string') return { cluster: named };
    if (!['units.', 'machines.', 'kv.'].some((p) => method.startsWith(p))) return {};
    try {
      return { cluster: this.clusters.get(undefined).name };
    } catch {
      return {};
    }
  }

  /** A machine's host name for the timeline; the id itself when it cannot be found. */
  private hostOf(cluster: string | undefined, machineId: string): string {
    try {
      return this.clusters.get(cluster).machine(machineId).hostname;
    } catch {
      return machineId.slice(0, 8);
    }
  }

  /** Validates and starts a subscription; returns its unsubscribe. */
  subscribe(
    event: string,
    params: unknown,
    emit: (payload: unknown) => void,
    fail: (err: ApiError) => void = () => undefined,
  ): () => void {
    if (!isEventName(event)) throw new ApiError('NOT_FOUND', `unknown API event '${event}'`);
    const parsed = events[event].params.safeParse(params ?? {});
    if (!parsed.success) throw fromZodError(parsed.error, `params of ${event}`);
    const subscribe = this.subscribers[event] as (
      p: unknown,
      emit: (payload: unknown) => void,
      fail: (err: Error) => void,
    ) => () => void;
    return subscribe(parsed.data, emit, (err) => fail(ApiError.from(err)));
  }
}
