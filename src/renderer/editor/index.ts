// The unit-file language for the code editor: highlighting, completion and docs on hover.

import { autocompletion } from '@codemirror/autocomplete';
import type { Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { unitCompletions } from './unit-completion';
import { unitHover } from './unit-hover';
import { unitStreamLanguage } from './unit-language';

export { unitEditorData, unitCompletions, type UnitEditorData } from './unit-completion';
export { unitDocAt, type UnitDocHit } from './unit-hover';

const docTheme = EditorView.baseTheme({
  '.cm-unit-doc': { padding: '4px 8px', maxWidth: '420px', lineHeight: 1.4 },
  '.cm-unit-doc strong': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' },
  '.cm-tooltip.cm-completionInfo': { maxWidth: '360px', padding: '4px 8px' },
});

/** Everything the `unit` language brings to an editor. */
export function unitLanguage(): Extension {
  return [
    unitStreamLanguage,
    unitStreamLanguage.data.of({ autocomplete: unitCompletions }),
    autocompletion({ icons: false }),
    unitHover,
    docTheme,
  ];
}
