import { describe, expect, it } from 'vitest';
import { ApiError, type UnitDetail } from '../../../shared/api';
import { lintUnit, unitHash } from '../../../shared/units';
import { unitInfo } from '../machines/fixtures';
import { fakeApi } from '../machines/testkit';
import {
  applyUnit,
  checkName,
  defaultTarget,
  editorDiagnostics,
  lineChanges,
  planChange,
  type ApplyRequest,
} from './editor-model';

const MINE = '[Service]\nExecStart=/bin/sleep 1000\n';
const BASE = '[Service]\nExecStart=/bin/sleep 10\n';
const THEIRS = '[Service]\nExecStart=/bin/sleep 99\n';

function detail(name: string, content: string): UnitDetail {
  return { ...unitInfo(name, {}), hash: unitHash(content), content };
}

/** A registry holding `stored` (name → content), answering units.get/submit/setState like the real one. */
function registry(stored: Record<string, string>) {
  return fakeApi({
    'units.get': async ({ name }: { name: string }) => {
      const content = stored[name];
      if (content === undefined) throw new ApiError('NOT_FOUND', `Unit ${name} not found`);
      return detail(name, content);
    },
    'units.submit': async ({
      units,
      replace,
    }: {
      units: { name: string; content: string }[];
      replace: boolean;
    }) => ({
      results: units.map((u) => {
        const had = stored[u.name];
        const hash = unitHash(u.content);
        if (had === undefined) {
          stored[u.name] = u.content;
          return { name: u.name, outcome: 'created' as const, hash };
        }
        if (had === u.content) return { name: u.name, outcome: 'unchanged' as const, hash };
        if (!replace) return { name: u.name, outcome: 'differs' as const, hash: unitHash(had) };
        stored[u.name] = u.content;
        return { name: u.name, outcome: 'replaced' as const, hash };
      }),
    }),
    'units.setState': async ({ names }: { names: string[] }) => ({
      units: names.map((name) => ({ name, previous: 'inactive' as const })),
    }),
  });
}

const request = (over: Partial<ApplyRequest>): ApplyRequest => ({
  cluster: 'dev',
  name: 'app.service',
  runName: 'app.service',
  content: MINE,
  base: undefined,
  target: 'launched',
  ...over,
});
const methods = (fake: ReturnType<typeof fakeApi>) => fake.calls.map((c) => c.method);

describe('applyUnit', () => {
  it('creates a new unit, then starts it', async () => {
    const stored: Record<string, string> = {};
    const fake = registry(stored);
    const result = await applyUnit(fake.api, request({}));
    expect(result).toEqual({ kind: 'applied', hash: unitHash(MINE), outcome: 'created' });
    expect(stored['app.service']).toBe(MINE);
    expect(fake.calls[1]?.params).toMatchObject({ units: [{ name: 'app.service' }], replace: false });
    expect(fake.calls[2]).toEqual({
      method: 'units.setState',
      params: { cluster: 'dev', names: ['app.service'], state: 'launched' },
    });
  });

  it('replaces the version the edit started from, knowingly', async () => {
    const stored = { 'app.service': BASE };
    const fake = registry(stored);
    const result = await applyUnit(
      fake.api,
      request({ base: { hash: unitHash(BASE), content: BASE }, target: 'submit' }),
    );
    expect(result).toMatchObject({ kind: 'applied', outcome: 'replaced' });
    expect(fake.calls[1]?.params).toMatchObject({ replace: true });
    expect(methods(fake)).not.toContain('units.setState');
  });

  it('never overwrites a version someone else put there meanwhile', async () => {
    const stored = { 'app.service': THEIRS };
    const fake = registry(stored);
    const result = await applyUnit(fake.api, request({ base: { hash: unitHash(BASE), content: BASE } }));
    expect(result).toEqual({ kind: 'conflict', theirs: { hash: unitHash(THEIRS), content: THEIRS } });
    expect(methods(fake)).toEqual(['units.get']);
    expect(stored['app.service']).toBe(THEIRS);
  });

  it('treats a new unit whose name is taken as a conflict, not a replace', async () => {
    const fake = registry({ 'app.service': THEIRS });
    expect((await applyUnit(fake.api, request({}))).kind).toBe('conflict');
    expect(methods(fake)).toEqual(['units.get']);
  });

  it('reports a replace that raced in between the check and the submit', async () => {
    const stored: Record<string, string> = {};
    const fake = registry(stored);
    const submit = fake.api.call.bind(fake.api);
    fake.api.call = (async (method: never, params: never) => {
      if (method === 'units.submit') stored['app.service'] = THEIRS;
      return submit(method, params);
    }) as typeof fake.api.call;
    const result = await applyUnit(fake.api, request({}));
    expect(result).toEqual({ kind: 'conflict', theirs: { hash: unitHash(THEIRS), content: THEIRS } });
    expect(stored['app.service']).toBe(THEIRS);
  });

  it('starts a template as an instance with the same file', async () => {
    const stored: Record<string, string> = {};
    const fake = registry(stored);
    await applyUnit(fake.api, request({ name: 'web@.service', runName: 'web@3.service' }));
    expect(stored).toEqual({ 'web@.service': MINE, 'web@3.service': MINE });
    expect(fake.calls.at(-1)?.params).toMatchObject({ names: ['web@3.service'], state: 'launched' });
  });

  it('refuses to start an instance whose registry file differs, saying what to do', async () => {
    const fake = registry({ 'web@3.service': THEIRS });
    await expect(
      applyUnit(fake.api, request({ name: 'web@.service', runName: 'web@3.service' })),
    ).rejects.toThrow(/web@3.service is in the registry with a different file. Destroy it first/);
    expect(methods(fake)).not.toContain('units.setState');
  });

  it('passes on failures other than not-found', async () => {
    const fake = fakeApi({
      'units.get': async () => {
        throw new ApiError('INTERNAL', 'KV unavailable');
      },
    });
    await expect(applyUnit(fake.api, request({}))).rejects.toThrow('KV unavailable');
  });
});

describe('checkName', () => {
  it('explains bad names', () => {
    expect(checkName('hello', '').problem).toMatch(/no type suffix/);
    expect(checkName('hello.servic', '').problem).toMatch(/unknown type suffix/);
    expect(checkName(' hello.service', '').problem).toMatch(/spaces/);
    expect(checkName('hello.service', '')).toEqual({ template: false, runName: 'hello.service' });
  });
  it('runs a template as the chosen instance', () => {
    expect(checkName('hello@.service', '2')).toEqual({ template: true, runName: 'hello@2.service' });
    expect(checkName('hello@.service', '').instanceProblem).toMatch(/Name the instance/);
    expect(checkName('hello@.service', 'a b').instanceProblem).toMatch(/cannot be an instance name/);
  });
});

describe('planChange and defaultTarget', () => {
  const existing = unitInfo('app.service', { desired: 'inactive' });
  it('previews a new unit as a start with its file', () => {
    expect(planChange('app.service', MINE, undefined, 'launched')).toEqual({
      kind: 'start',
      unit: 'app.service',
      content: MINE,
    });
  });
  it('previews an existing unit as an edit, or as a start when it is being started now', () => {
    expect(planChange('app.service', MINE, existing, 'loaded').kind).toBe('edit');
    expect(planChange('app.service', MINE, existing, 'launched').kind).toBe('start');
    expect(planChange('app.service', MINE, unitInfo('app.service', {}), 'launched').kind).toBe('edit');
  });
  it('keeps an existing unit in its state by default', () => {
    expect(defaultTarget(undefined)).toBe('launched');
    expect(defaultTarget(existing)).toBe('submit');
    expect(defaultTarget(unitInfo('x.service', { desired: 'loaded' }))).toBe('loaded');
  });
});

describe('editor helpers', () => {
  it('marks lint problems on their range, with the hint in the message', () => {
    const lint = lintUnit('[X-Fleet]\nGlobal=maybe\n', 'app.service');
    const global = editorDiagnostics(lint.diagnostics).find((d) => d.line === 2);
    expect(global).toEqual({
      line: 2,
      column: 8,
      endLine: 2,
      endColumn: 13,
      severity: 'error',
      message: 'Global: "maybe" is not a boolean. Use true or false.',
    });
  });
  it('counts changed lines', () => {
    expect(lineChanges(BASE, MINE)).toEqual({ added: 1, removed: 1 });
    expect(lineChanges(BASE, `${BASE}Restart=always\n`)).toEqual({ added: 1, removed: 0 });
    expect(lineChanges(BASE, BASE)).toEqual({ added: 0, removed: 0 });
  });
});
