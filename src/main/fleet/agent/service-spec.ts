// Adapter: a unit file's text → the ServiceSpec the DockerUnitHost runs, through the shared
// unit-file model (src/shared/units). Errors that make systemd refuse the unit are load errors;
// [X-Fleet] problems are the scheduler's business, warnings are ignored.

import { FLEET_SECTION, lintUnit, serviceSpec, type ServiceSpec } from '../../../shared/units';

export type SpecResult = { ok: true; spec: ServiceSpec } | { ok: false; error: string };

export function loadServiceSpec(content: string, unitName: string): SpecResult {
  const lint = lintUnit(content, unitName);
  const errors = lint.diagnostics.filter((d) => d.severity === 'error' && d.section !== FLEET_SECTION);
  if (errors.length) {
    return { ok: false, error: errors.map((d) => `${unitName}:${d.line}: ${d.message}`).join('; ') };
  }
  return { ok: true, spec: serviceSpec(lint.unit, unitName) };
}
