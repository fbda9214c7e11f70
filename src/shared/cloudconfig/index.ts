// Flotilla's cloud-config: parse and check a machine's cloud-config (with editor positions), render
// the one a machine boots with, and import a coreos-vagrant config.rb and user-data.
// Pure TypeScript, shared by the main process and the renderer. Everything is synchronous:
// write_files content, gzip included, is decoded by parseCloudConfig itself (see gunzip.ts).

export type {
  Channel,
  CloudConfigDiagnostic,
  CloudUnit,
  CloudWriteFile,
  CloudUser,
  CloudConfig,
} from './types';
export { parseCloudConfig } from './parse';
export { isBuiltinUnit } from './schema';
export { substituteAddresses, renderCloudConfig, type MachineBoot } from './render';
export { importVagrant, type VagrantImport } from './vagrant';
