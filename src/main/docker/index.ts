export { EngineMonitor, type EngineMonitorOptions } from './engine-monitor';
export { dockerFor, engineEndpoint, explainEngineError } from './endpoint';
export {
  BUSYBOX_CANDIDATES,
  findStaticBusybox,
  followBuild,
  inspectImage,
  seedBusybox,
  SEEDED_LABEL,
  type SeedOutcome,
} from './seed';
