// The unit-file model: parse, check and interpret systemd unit files with fleet's [X-Fleet].
// Pure TypeScript, shared by the main process and the renderer.

export * from './types';
export {
  parseUnitFile,
  entries,
  keyEntries,
  effectiveListEntries,
  values,
  value,
  valuePosition,
  positionAt,
  type ParseResult,
} from './parse';
export {
  parseExecLine,
  expandEnv,
  extractWord,
  isValidEnvName,
  type ExecParseResult,
  type ExtractedWord,
  type WordError,
} from './exec';
export {
  UNIT_TYPES,
  UNIT_NAME_MAX_LENGTH,
  KNOWN_SPECIFIERS,
  parseUnitName,
  validateUnitName,
  withDefaultSuffix,
  instanceName,
  applySpecifiers,
  findUnknownSpecifiers,
  type UnitType,
} from './names';
export {
  FLEET_SECTION,
  FLEET_KEYS,
  DEPRECATED_FLEET_KEYS,
  fleetOptions,
  parseBoolean,
  splitValueTokens,
  type FleetKey,
  type FleetOptionsResult,
  type ValueToken,
} from './fleet';
export { compileGlob, globMatch, validateGlob, type Glob } from './glob';
export { unitHash, shortHash } from './hash';
export {
  EXEC_KEYS,
  SECTION_KEYS,
  SERVICE_TYPES,
  RESTART_POLICIES,
  lintUnit,
  serviceSpec,
  parseTimespan,
  parseEnvironment,
  type LintResult,
  type EnvironmentParseResult,
} from './lint';
export {
  UNIT_SECTIONS,
  SECTION_DOCS,
  KEY_DOCS,
  SPECIFIER_DOCS,
  sectionKeyNames,
  keyDoc,
  keyValues,
} from './keys-doc';
