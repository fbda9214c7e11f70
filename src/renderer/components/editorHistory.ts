// Undo and redo for the CodeEditor. @codemirror/commands, whose history this is a small cut of, is
// not among the app's dependencies; swap this for it once it is.
import {
  Annotation,
  StateField,
  Transaction,
  type ChangeSet,
  type EditorSelection,
  type Extension,
  type StateCommand,
} from '@codemirror/state';
import { keymap } from '@codemirror/view';

interface Entry {
  /** The changes that take the document back. */
  undo: ChangeSet;
  /** The selection to restore with it. */
  selection: EditorSelection;
  time: number;
  typing: boolean;
}
interface History {
  done: readonly Entry[];
  undone: readonly Entry[];
}

/** Typing within this many ms of the last keystroke undoes as one step. */
const GROUP_MS = 500;
const LIMIT = 200;
const fromHistory = Annotation.define<'undo' | 'redo'>();

const historyField = StateField.define<History>({
  create: () => ({ done: [], undone: [] }),
  update(history, tr) {
    if (!tr.docChanged) return history;
    const entry: Entry = {
      undo: tr.changes.invert(tr.startState.doc),
      selection: tr.startState.selection,
      time: tr.annotation(Transaction.time) ?? Date.now(),
      typing: tr.isUserEvent('input.type'),
    };
    const replaying = tr.annotation(fromHistory);
    if (replaying === 'undo') return { done: history.done.slice(0, -1), undone: [...history.undone, entry] };
    if (replaying === 'redo') return { done: [...history.done, entry], undone: history.undone.slice(0, -1) };
    const last = history.done.at(-1);
    if (last?.typing && entry.typing && entry.time - last.time < GROUP_MS) {
      const merged = { ...entry, undo: entry.undo.compose(last.undo), selection: last.selection };
      return { done: [...history.done.slice(0, -1), merged], undone: [] };
    }
    return { done: [...history.done, entry].slice(-LIMIT), undone: [] };
  },
});

function replay(kind: 'undo' | 'redo'): StateCommand {
  return ({ state, dispatch }) => {
    const history = state.field(historyField, false);
    const entry = (kind === 'undo' ? history?.done : history?.undone)?.at(-1);
    if (!entry) return false;
    dispatch(
      state.update({
        changes: entry.undo,
        selection: entry.selection,
        annotations: fromHistory.of(kind),
        scrollIntoView: true,
        userEvent: kind,
      }),
    );
    return true;
  };
}

export const undo = replay('undo');
export const redo = replay('redo');

/** The history and its keys: Mod-z undoes, Mod-y and Mod-Shift-z redo. */
export function history(): Extension {
  return [
    historyField,
    keymap.of([
      { key: 'Mod-z', run: undo, preventDefault: true },
      { key: 'Mod-y', run: redo, preventDefault: true },
      { key: 'Mod-Shift-z', run: redo, preventDefault: true },
    ]),
  ];
}
