// @vitest-environment jsdom
import { Text } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { currentCompletions, startCompletion } from '@codemirror/autocomplete';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { createRef } from 'react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CodeEditor, toLintDiagnostics, type CodeEditorHandle } from './CodeEditor';
import { installLayoutStubs } from './CodeEditor.testkit';

beforeAll(installLayoutStubs);
afterEach(cleanup);

const viewOf = (label: string) => EditorView.findFromDOM(screen.getByLabelText(label)) as EditorView;

describe('toLintDiagnostics', () => {
  const doc = Text.of(['#cloud-config', 'hostname: core-01', 'bad']);
  it('maps 1-based lines and columns to offsets', () => {
    const [d] = toLintDiagnostics(doc, [
      { line: 2, column: 11, endLine: 2, endColumn: 18, severity: 'error', message: 'm' },
    ]);
    expect(doc.sliceString(d!.from, d!.to)).toBe('core-01');
  });
  it('marks the rest of the line without an end, and stays inside the document', () => {
    const [a, b] = toLintDiagnostics(doc, [
      { line: 3, column: 1, severity: 'warning', message: 'w' },
      { line: 9, column: 40, endLine: 12, endColumn: 1, severity: 'error', message: 'e' },
    ]);
    expect(doc.sliceString(a!.from, a!.to)).toBe('bad');
    expect([b!.from, b!.to]).toEqual([doc.length, doc.length]);
  });
});

describe('CodeEditor', () => {
  it('names its text area and reports edits, not values it was given', () => {
    const onChange = vi.fn();
    const { rerender } = render(
      <CodeEditor label="cloud-config of core-01" value="a: 1" onChange={onChange} />,
    );
    const view = viewOf('cloud-config of core-01');
    expect(view.state.doc.toString()).toBe('a: 1');

    rerender(<CodeEditor label="cloud-config of core-01" value="b: 2" onChange={onChange} />);
    expect(view.state.doc.toString()).toBe('b: 2');
    expect(onChange).not.toHaveBeenCalled();

    act(() => view.dispatch({ changes: { from: 4, insert: '3' }, userEvent: 'input.type' }));
    expect(onChange).toHaveBeenCalledWith('b: 23');
  });

  it('underlines problems and marks their lines in the gutter', () => {
    const { container } = render(
      <CodeEditor
        label="doc"
        language="yaml"
        value={'#cloud-config\nhostnme: x\n'}
        diagnostics={[
          { line: 2, column: 1, endLine: 2, endColumn: 8, severity: 'error', message: 'unknown key' },
        ]}
      />,
    );
    expect(container.querySelector('.cm-lintRange-error')?.textContent).toBe('hostnme');
    expect(container.querySelector('.cm-lint-marker-error')).not.toBeNull();
  });

  it('is read-only when asked', () => {
    render(<CodeEditor label="doc" value="x" readOnly />);
    expect(screen.getByLabelText('doc').getAttribute('contenteditable')).toBe('false');
  });

  it('highlights unit files and completes their keys', async () => {
    const { container } = render(<CodeEditor label="unit" language="unit" value={'[X-Fleet]\nGlo'} />);
    const view = viewOf('unit');
    expect(container.querySelector('.cm-line')?.textContent).toBe('[X-Fleet]');
    expect(container.querySelector('.cm-line span[class]')?.textContent).toBe('[X-Fleet]');
    act(() => view.dispatch({ selection: { anchor: view.state.doc.length } }));
    act(() => {
      startCompletion(view);
    });
    await waitFor(() => expect(currentCompletions(view.state).map((c) => c.label)).toContain('Global'));
  });

  it('takes extra extensions and swaps them when they change', () => {
    const first = EditorView.contentAttributes.of({ 'data-extra': 'one' });
    const { rerender } = render(<CodeEditor label="doc" value="x" extensions={first} />);
    expect(screen.getByLabelText('doc').getAttribute('data-extra')).toBe('one');
    const second = EditorView.contentAttributes.of({ 'data-extra': 'two' });
    rerender(<CodeEditor label="doc" value="x" extensions={second} />);
    expect(screen.getByLabelText('doc').getAttribute('data-extra')).toBe('two');
  });

  it('reveals a line: the cursor goes there', () => {
    const ref = createRef<CodeEditorHandle>();
    render(<CodeEditor label="doc" value={'one\ntwo\nthree'} ref={ref} />);
    act(() => ref.current?.revealLine(3, 2));
    const view = viewOf('doc');
    expect(view.state.selection.main.head).toBe(view.state.doc.line(3).from + 1);
  });
});
