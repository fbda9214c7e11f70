// jsdom has no layout: CodeMirror measures text ranges, which jsdom lacks. Tests that mount a
// CodeEditor call this first.
export function installLayoutStubs(): void {
  const rect = { x: 0, y: 0, top: 0, left: 0, right: 0, bottom: 0, width: 0, height: 0, toJSON: () => ({}) };
  const rects = Object.assign([], { item: () => null }) as unknown as DOMRectList;
  Range.prototype.getBoundingClientRect ??= () => rect as DOMRect;
  Range.prototype.getClientRects ??= () => rects;
  document.elementFromPoint ??= () => null;
}
