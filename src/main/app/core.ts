import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ActivityLog } from '../activity';
import { ApiService, HttpTransport } from '../api';
import { ClusterManager } from '../clusters';
import { EngineMonitor, engineEndpoint } from '../docker';
import { ShellSessions } from '../shell';
import { TaskManager } from '../tasks';
import { VERSION } from '../../shared/version';
import type { AppInfo } from '../../shared/api';
import { removeApiFile, writeApiFile } from './api-file';

export interface AppCoreOptions {
  mode: 'desktop' | 'serve';
  dataDir: string;
  /** 0 = any free port. */
  port: number;
  /** The built renderer, served over HTTP in serve mode. */
  rendererDir?: string;
  dockerEndpoint?: string;
  electronVersion?: string;
}

/**
 * The cluster host: everything the Electron main process and `flotctl serve` share. Both build
 * one AppCore; only the window (IPC) differs.
 */
export class AppCore {
  readonly tasks = new TaskManager();
  readonly engine: EngineMonitor;
  readonly service: ApiService;
  readonly clusters: ClusterManager;
  readonly shells = new ShellSessions();
  readonly activity: ActivityLog;
  readonly token = randomBytes(24).toString('hex');
  private http: HttpTransport | undefined;
  port = 0;

  constructor(private readonly opts: AppCoreOptions) {
    this.engine = new EngineMonitor({ endpoint: opts.dockerEndpoint ?? engineEndpoint() });
    const info: AppInfo = {
      product: 'Flotilla',
      version: VERSION,
      mode: opts.mode,
      node: process.versions.node,
      platform: `${process.platform}/${process.arch}`,
      dataDir: opts.dataDir,
    };
    if (opts.electronVersion) info.electron = opts.electronVersion;
    this.clusters = new ClusterManager(opts.dataDir, this.engine.docker, this.tasks);
    this.activity = new ActivityLog(join(opts.dataDir, 'activity.jsonl'));
    this.service = new ApiService({
      activity: this.activity,
      info,
      engine: this.engine,
      tasks: this.tasks,
      clusters: this.clusters,
      shells: this.shells,
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/?token=${this.token}`;
  }

  async start(): Promise<void> {
    await mkdir(this.opts.dataDir, { recursive: true, mode: 0o700 });
    await this.activity.load();
    this.engine.start();
    this.http = new HttpTransport({
      service: this.service,
      token: this.token,
      port: this.opts.port,
      rendererDir: this.opts.rendererDir,
    });
    try {
      this.port = await this.http.listen();
    } catch (err) {
      this.engine.stop();
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE') {
        throw new Error(
          `port ${this.opts.port} on 127.0.0.1 is in use; choose another with --port N (0 = any free port)`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    // Clusters come back as they were; each start is a Task the UI and CLI can follow.
    await this.clusters.restore();
    await writeApiFile(this.opts.dataDir, {
      port: this.port,
      token: this.token,
      pid: process.pid,
      mode: this.opts.mode,
      url: this.url,
      version: VERSION,
    });
  }

  async stop(): Promise<void> {
    await removeApiFile(this.opts.dataDir);
    await this.tasks.shutdown();
    await this.shells.closeAll();
    await this.clusters.shutdown();
    await this.activity.flush();
    this.engine.stop();
    await this.http?.close();
  }
}
