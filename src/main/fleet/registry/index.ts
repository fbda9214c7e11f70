export { FLEET_PREFIX, keys, parseKey, type ParsedKey } from './keys';
export { RegistryModel, type JobRecord, type ParsedUnit } from './model';
export { Registry, exists, notFound, type Placement } from './registry';
export { LiveRegistry } from './live';
