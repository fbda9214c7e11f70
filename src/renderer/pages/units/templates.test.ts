import { describe, expect, it } from 'vitest';
import { lintUnit, parseUnitName, serviceSpec, validateUnitName } from '../../../shared/units';
import { UNIT_TEMPLATES } from './templates';

const errorsOf = (content: string, name: string) =>
  lintUnit(content, name).diagnostics.filter((d) => d.severity === 'error');

describe('unit templates', () => {
  it.each(UNIT_TEMPLATES.map((t) => [t.id, t] as const))(
    '%s has a valid name and lints without errors',
    (_id, t) => {
      expect(validateUnitName(t.name)).toBeUndefined();
      expect(errorsOf(t.content, t.name)).toEqual([]);
    },
  );

  it('hello world is the seeds’ hello.service: busybox saying Hello World, no deprecated keys', () => {
    const hello = UNIT_TEMPLATES.find((t) => t.id === 'hello')!;
    expect(lintUnit(hello.content, hello.name).diagnostics).toEqual([]);
    const spec = serviceSpec(lintUnit(hello.content, hello.name).unit, hello.name);
    expect(spec.execStart[0]?.[0]?.argv).toEqual([
      '/usr/bin/docker',
      'run',
      '--name',
      'busybox1',
      'busybox',
      '/bin/sh',
      '-c',
      'while true; do echo Hello World; sleep 1; done',
    ]);
  });

  it('the docker service names its container after the unit and cleans up first', () => {
    const docker = UNIT_TEMPLATES.find((t) => t.id === 'docker')!;
    const spec = serviceSpec(lintUnit(docker.content, docker.name).unit, docker.name);
    expect(spec.execStart[0]?.[0]?.argv.slice(0, 5)).toEqual([
      '/usr/bin/docker',
      'run',
      '--rm',
      '--name',
      'web.service',
    ]);
    expect(spec.execStartPre.map((line) => line[0]?.ignoreFailure)).toEqual([true, true, false]);
    expect(spec.execStop[0]?.[0]?.argv).toEqual(['/usr/bin/docker', 'stop', 'web.service']);
  });

  it('the global unit is global', () => {
    const global = UNIT_TEMPLATES.find((t) => t.id === 'global')!;
    expect(lintUnit(global.content, global.name).options?.global).toBe(true);
  });

  it('the template unit is a template whose instances lint cleanly and resolve %i', () => {
    const template = UNIT_TEMPLATES.find((t) => t.id === 'template')!;
    expect(parseUnitName(template.name)?.isTemplate).toBe(true);
    expect(errorsOf(template.content, 'hello@7.service')).toEqual([]);
    const spec = serviceSpec(lintUnit(template.content, 'hello@7.service').unit, 'hello@7.service');
    expect(spec.execStart[0]?.[0]?.argv).toContain('hello-7');
    expect(lintUnit(template.content, 'hello@7.service').options?.conflicts).toEqual(['hello@*.service']);
  });
});
