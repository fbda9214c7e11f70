import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { json } from '@codemirror/lang-json';
import { yaml } from '@codemirror/lang-yaml';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { Annotation, Compartment, EditorState, type Extension, type Text } from '@codemirror/state';
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { Box, alpha, useTheme, type Theme } from '@mui/material';
import { useEffect, useImperativeHandle, useMemo, useRef, useState, type Ref } from 'react';
import { unitLanguage } from '../editor';

/** A problem to mark in the text; lines and columns are 1-based, the end column just past the range. */
export interface EditorDiagnostic {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  severity: 'error' | 'warning';
  message: string;
}

/** The languages the editor knows; add one here and every editor can use it. */
export const EDITOR_LANGUAGES = {
  plain: (): Extension => [],
  yaml: (): Extension => yaml(),
  json: (): Extension => json(),
  /** systemd unit files with [X-Fleet]: highlighting, completion, docs on hover. */
  unit: (): Extension => unitLanguage(),
};
export type EditorLanguage = keyof typeof EDITOR_LANGUAGES;

export interface CodeEditorHandle {
  /** Puts the cursor at a line (and column), scrolls it into view and focuses the editor. */
  revealLine(line: number, column?: number): void;
}

export interface CodeEditorProps {
  value: string;
  onChange?: (value: string) => void;
  /** The accessible name of the text area, e.g. "cloud-config of core-01". */
  label: string;
  language?: EditorLanguage;
  diagnostics?: readonly EditorDiagnostic[];
  readOnly?: boolean;
  height?: number | string;
  /**
   * More CodeMirror extensions (e.g. a merge view, or data for completion). Pass a stable value
   * (memoized): a new one reconfigures the editor.
   */
  extensions?: Extension;
  ref?: Ref<CodeEditorHandle>;
}

const NO_DIAGNOSTICS: readonly EditorDiagnostic[] = [];
const NO_EXTENSIONS: Extension = [];
/** Marks the transaction that copies a new `value` in, so it is not reported back as an edit. */
const external = Annotation.define<boolean>();

/** The document offset of a 1-based line and column, kept inside the document. */
export function offsetOf(doc: Text, line: number, column: number): number {
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  return l.from + Math.min(Math.max(column - 1, 0), l.length);
}

/** Line/column ranges as CodeMirror's lint diagnostics (offsets); a range without an end marks its line's rest. */
export function toLintDiagnostics(doc: Text, diagnostics: readonly EditorDiagnostic[]): Diagnostic[] {
  return diagnostics.map((d) => {
    const from = offsetOf(doc, d.line, d.column);
    const to =
      d.endLine === undefined
        ? doc.lineAt(from).to
        : offsetOf(doc, d.endLine, d.endColumn ?? Number.MAX_SAFE_INTEGER);
    return { from, to: Math.max(from, to), severity: d.severity, message: d.message };
  });
}

/** Colours from the MUI palette, darker shades in light mode so text keeps its contrast. */
function editorTheme(theme: Theme): Extension {
  const p = theme.palette;
  const dark = p.mode === 'dark';
  const shade = (c: { light: string; dark: string }) => (dark ? c.light : c.dark);
  return [
    EditorView.theme(
      {
        '&': {
          color: p.text.primary,
          backgroundColor: p.background.paper,
          border: `1px solid ${p.divider}`,
          borderRadius: `${theme.shape.borderRadius}px`,
          fontSize: '13px',
        },
        '&.cm-focused': { outline: `2px solid ${p.primary.main}`, outlineOffset: '-1px' },
        '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' },
        '.cm-content': { caretColor: p.text.primary },
        '.cm-cursor, .cm-dropCursor': { borderLeftColor: p.text.primary },
        '.cm-gutters': {
          backgroundColor: p.background.default,
          color: p.text.secondary,
          borderRight: `1px solid ${p.divider}`,
        },
        '.cm-activeLine': { backgroundColor: p.action.hover },
        '.cm-activeLineGutter': { backgroundColor: p.action.selected },
        '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground': {
          backgroundColor: alpha(p.primary.main, 0.3),
        },
        '.cm-tooltip': {
          backgroundColor: p.background.paper,
          color: p.text.primary,
          border: `1px solid ${p.divider}`,
        },
      },
      { dark },
    ),
    syntaxHighlighting(
      HighlightStyle.define([
        { tag: tags.comment, color: p.text.secondary, fontStyle: 'italic' },
        { tag: tags.definition(tags.propertyName), color: shade(p.primary) },
        { tag: [tags.string, tags.special(tags.string)], color: shade(p.success) },
        { tag: [tags.keyword, tags.meta, tags.typeName, tags.labelName], color: shade(p.secondary) },
        { tag: tags.heading, fontWeight: 'bold' },
        { tag: tags.invalid, color: shade(p.error) },
      ]),
    ),
  ];
}

function reconfigure(view: EditorView | null, slot: Compartment, extension: Extension): void {
  if (view && slot.get(view.state) !== extension) view.dispatch({ effects: slot.reconfigure(extension) });
}

/**
 * A code editor (CodeMirror 6): line numbers, undo history, highlighting for its language, and
 * problems marked in the text with gutter markers and messages on hover. Controlled: `value` in,
 * `onChange` out.
 */
export function CodeEditor({
  value,
  onChange,
  label,
  language = 'plain',
  diagnostics = NO_DIAGNOSTICS,
  readOnly = false,
  height = 360,
  extensions = NO_EXTENSIONS,
  ref,
}: CodeEditorProps) {
  const theme = useTheme();
  const host = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  const [slots] = useState(() => ({
    theme: new Compartment(),
    language: new Compartment(),
    readOnly: new Compartment(),
    label: new Compartment(),
    extra: new Compartment(),
  }));

  useEffect(() => {
    onChangeRef.current = onChange;
  });

  const themeExt = useMemo(() => editorTheme(theme), [theme]);
  const languageExt = useMemo(() => EDITOR_LANGUAGES[language](), [language]);
  const readOnlyExt = useMemo(
    () => [EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)],
    [readOnly],
  );
  // tabindex: a read-only editor (e.g. a diff) can still be focused, so its text scrolls by keyboard.
  const labelExt = useMemo(
    () => EditorView.contentAttributes.of({ 'aria-label': label, tabindex: '0' }),
    [label],
  );
  // What the view starts with; the effects below keep it current afterwards.
  const initial = useRef({ value, themeExt, languageExt, readOnlyExt, labelExt, extensions });

  useEffect(() => {
    const c = initial.current;
    const view = new EditorView({
      parent: host.current as HTMLDivElement,
      state: EditorState.create({
        doc: c.value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightActiveLine(),
          drawSelection(),
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          lintGutter(),
          slots.theme.of(c.themeExt),
          slots.language.of(c.languageExt),
          slots.readOnly.of(c.readOnlyExt),
          slots.label.of(c.labelExt),
          slots.extra.of(c.extensions),
          EditorView.updateListener.of((u) => {
            if (u.docChanged && !u.transactions.some((tr) => tr.annotation(external)))
              onChangeRef.current?.(u.state.doc.toString());
          }),
        ],
      }),
    });
    viewRef.current = view;
    return () => {
      view.destroy();
      viewRef.current = null;
    };
  }, [slots]);

  useEffect(() => {
    const view = viewRef.current;
    if (!view || view.state.doc.toString() === value) return;
    view.dispatch({
      changes: { from: 0, to: view.state.doc.length, insert: value },
      annotations: external.of(true),
    });
  }, [value]);

  useEffect(() => {
    const view = viewRef.current;
    if (view) view.dispatch(setDiagnostics(view.state, toLintDiagnostics(view.state.doc, diagnostics)));
  }, [diagnostics, value]);

  useEffect(() => reconfigure(viewRef.current, slots.theme, themeExt), [slots, themeExt]);
  useEffect(() => reconfigure(viewRef.current, slots.language, languageExt), [slots, languageExt]);
  useEffect(() => reconfigure(viewRef.current, slots.readOnly, readOnlyExt), [slots, readOnlyExt]);
  useEffect(() => reconfigure(viewRef.current, slots.label, labelExt), [slots, labelExt]);
  useEffect(() => reconfigure(viewRef.current, slots.extra, extensions), [slots, extensions]);

  useImperativeHandle(
    ref,
    () => ({
      revealLine(line, column = 1) {
        const view = viewRef.current;
        if (!view) return;
        const at = offsetOf(view.state.doc, line, column);
        view.dispatch({ selection: { anchor: at }, scrollIntoView: true });
        view.focus();
      },
    }),
    [],
  );

  return <Box ref={host} sx={{ '& .cm-editor': { height } }} />;
}
