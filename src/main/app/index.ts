export { AppCore, type AppCoreOptions } from './core';
export { resolveDataDir, API_FILE } from './data-dir';
export { readApiFile, type ApiFile } from './api-file';
