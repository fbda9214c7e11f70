export * from './contract';
export * from './errors';
export * from './model';
export * from './protocol';
export * from './ws-client';
