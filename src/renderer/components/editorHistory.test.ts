import { EditorState, Transaction, type TransactionSpec } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { history, redo, undo } from './editorHistory';

/** A state holder that commands can dispatch to. */
function editor(doc: string) {
  const target = {
    state: EditorState.create({ doc, extensions: history() }),
    dispatch(tr: Transaction) {
      target.state = tr.state;
    },
    apply(spec: TransactionSpec) {
      target.dispatch(target.state.update(spec));
    },
  };
  return target;
}

const typed = (insert: string, at: number, time: number): TransactionSpec => ({
  changes: { from: at, insert },
  userEvent: 'input.type',
  annotations: Transaction.time.of(time),
});

describe('editor history', () => {
  it('undoes and redoes a change, restoring the selection', () => {
    const ed = editor('hello');
    ed.apply({ selection: { anchor: 5 } });
    ed.apply({ changes: { from: 0, to: 5, insert: 'bye' } });
    expect(ed.state.doc.toString()).toBe('bye');
    expect(undo(ed)).toBe(true);
    expect(ed.state.doc.toString()).toBe('hello');
    expect(ed.state.selection.main.head).toBe(5);
    expect(redo(ed)).toBe(true);
    expect(ed.state.doc.toString()).toBe('bye');
    expect(redo(ed)).toBe(false);
  });

  it('undoes a burst of typing as one step, and a pause starts a new one', () => {
    const ed = editor('');
    ed.apply(typed('a', 0, 1000));
    ed.apply(typed('b', 1, 1100));
    ed.apply(typed('c', 2, 5000));
    undo(ed);
    expect(ed.state.doc.toString()).toBe('ab');
    undo(ed);
    expect(ed.state.doc.toString()).toBe('');
    expect(undo(ed)).toBe(false);
  });

  it('forgets what was undone once something new is done', () => {
    const ed = editor('x');
    ed.apply({ changes: { from: 1, insert: 'y' } });
    undo(ed);
    ed.apply({ changes: { from: 0, insert: 'z' } });
    expect(redo(ed)).toBe(false);
    expect(ed.state.doc.toString()).toBe('zx');
  });
});
