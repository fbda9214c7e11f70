export * from './contract';
export * from './errors';
export * from './fleet-model';
export * from './model';
export * from './protocol';
export * from './ws-client';
export * from './machine-model';
export * from './kv-model';
