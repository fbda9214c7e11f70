import { CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { EditorState } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { FLEET_KEYS } from '../../shared/units';
import { unitCompletions, unitEditorData, type UnitEditorData } from './unit-completion';

const DATA: UnitEditorData = {
  machines: [
    { id: 'a'.repeat(32), name: 'core-01', metadata: { region: 'east', disk: 'ssd' } },
    { id: 'b'.repeat(32), name: 'core-02', metadata: { region: 'west' } },
  ],
  units: ['db.service', 'web@1.service'],
};

/** Completions at the `|` in `text`. */
function complete(text: string, explicit = false): CompletionResult | null {
  const pos = text.indexOf('|');
  const state = EditorState.create({
    doc: text.slice(0, pos) + text.slice(pos + 1),
    extensions: unitEditorData.of(DATA),
  });
  return unitCompletions(new CompletionContext(state, pos, explicit)) as CompletionResult | null;
}
const labels = (r: CompletionResult | null) => r?.options.map((o) => o.label) ?? [];
const option = (r: CompletionResult | null, label: string) => r?.options.find((o) => o.label === label);

describe('unit file completion', () => {
  it('offers section names after [, closing the bracket when it is missing', () => {
    const r = complete('[X-|');
    expect(labels(r)).toEqual(['Unit', 'Service', 'X-Fleet', 'Install']);
    expect(r?.from).toBe(1);
    expect(option(r, 'X-Fleet')?.apply).toBe('X-Fleet]');
    expect(option(r, 'X-Fleet')?.info).toMatch(/scheduling/);
    expect(option(complete('[|]'), 'Unit')?.apply).toBe('Unit');
  });

  it('offers the keys of the section the cursor is in, with their docs', () => {
    const fleet = complete('[Service]\nExecStart=/bin/true\n[X-Fleet]\nMa|');
    expect(labels(fleet)).toEqual(expect.arrayContaining([...FLEET_KEYS]));
    expect(labels(fleet)).not.toContain('ExecStart');
    expect(option(fleet, 'MachineMetadata')?.apply).toBe('MachineMetadata=');
    expect(option(fleet, 'MachineMetadata')?.info).toMatch(/metadata matches key=value/);
    expect(fleet?.from).toBe('[Service]\nExecStart=/bin/true\n[X-Fleet]\n'.length);

    const service = complete('[Unit]\nDescription=x\n[Service]\nExec|');
    expect(labels(service)).toEqual(expect.arrayContaining(['ExecStart', 'ExecStartPre', 'ExecStop']));
    expect(labels(service)).toContain('LimitNOFILE');
    // Documented keys rank above the long tail.
    expect(option(service, 'ExecStart')?.boost).toBeGreaterThan(option(service, 'LimitNOFILE')?.boost ?? 0);
    expect(labels(complete('[Install]\n|', true))).toContain('WantedBy');
  });

  it('does not add = when the line already has one', () => {
    expect(option(complete('[X-Fleet]\nGlo|=true'), 'Global')?.apply).toBe('Global');
  });

  it('stays quiet where nothing fits: comments, before any section, an empty line unless asked', () => {
    expect(complete('# Mach|')).toBeNull();
    expect(complete('[X-Fleet]\n# Mach|')).toBeNull();
    expect(complete('Mach|')).toBeNull();
    expect(complete('[X-Fleet]\n|')).toBeNull();
    expect(labels(complete('[X-Fleet]\n|', true))).toContain('Global');
  });

  it('offers fixed values, machine ids, metadata and unit names for values', () => {
    expect(labels(complete('[X-Fleet]\nGlobal=t|'))).toEqual(['true', 'false']);
    expect(labels(complete('[Service]\nType=o|'))).toContain('oneshot');
    const ids = complete('[X-Fleet]\nMachineID=a|');
    expect(labels(ids)).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
    expect(option(ids, 'a'.repeat(32))?.detail).toBe('core-01');
    expect(labels(complete('[X-Fleet]\nMachineMetadata=disk=ssd r|'))).toEqual([
      'disk=ssd',
      'region=east',
      'region=west',
    ]);
    const of = complete('[X-Fleet]\nMachineOf=d|');
    expect(labels(of)).toEqual(['db.service', 'web@1.service']);
    expect(of?.from).toBe('[X-Fleet]\nMachineOf='.length);
    expect(complete('[Service]\nExecStart=/bin/ec|')).toBeNull();
  });

  it('offers the specifiers after %, in values and continued lines', () => {
    const r = complete('[Service]\nExecStart=/bin/echo %|');
    expect(labels(r)).toEqual(['%n', '%N', '%p', '%i', '%%']);
    expect(option(r, '%i')?.info).toMatch(/instance/);
    expect(labels(complete('[Service]\nExecStart=/bin/echo \\\n  %|'))).toContain('%n');
    // A continued line is value, not a key.
    expect(complete('[Service]\nExecStart=/bin/echo \\\n  Exe|')).toBeNull();
  });
});
