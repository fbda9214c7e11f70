export { EngineMonitor, type EngineMonitorOptions } from './engine-monitor';
export { dockerFor, engineEndpoint, explainEngineError } from './endpoint';
export { seedBusybox, SEEDED_LABEL, type SeedOutcome } from './seed';
