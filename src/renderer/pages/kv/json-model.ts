// How a value reads in the explorer: JSON objects and arrays pretty-printed with foldable nodes,
// anything else as text, binary as a note with a hex dump. Pure.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type JsonDocument = JsonValue[] | { [key: string]: JsonValue };

/** The value parsed when it is a JSON object or array; scalars and non-JSON read better as text. */
export function parseJsonDocument(text: string): JsonDocument | undefined {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return undefined;
  try {
    return JSON.parse(t) as JsonDocument;
  } catch {
    return undefined;
  }
}

/** JSON documents pretty-printed (so diffs go line by line); other text as it is. */
export function prettyIfJson(text: string): string {
  const doc = parseJsonDocument(text);
  return doc === undefined ? text : JSON.stringify(doc, null, 2);
}

/** One line of the pretty view. */
export interface JsonLine {
  /** Indentation steps. */
  depth: number;
  /** The node this line opens (or the scalar it shows): "$", "$.a", "$.a[0]". */
  path: string;
  /** `"name": ` or empty for array items and the root. */
  prefix: string;
  /** What follows the prefix: a scalar, an opening bracket, or a folded "{…}" summary. */
  text: string;
  /** Set on lines opening an object or array with members. */
  fold?: { collapsed: boolean; size: number; kind: 'object' | 'array' };
  /** A closing bracket line. */
  closing?: boolean;
  comma: boolean;
}

const childPath = (path: string, key: string | number) =>
  typeof key === 'number'
    ? `${path}[${key}]`
    : /^[A-Za-z_$][\w$]*$/.test(key)
      ? `${path}.${key}`
      : `${path}[${JSON.stringify(key)}]`;

/** The lines of a document with the nodes in `collapsed` folded. */
export function jsonLines(doc: JsonValue, collapsed: ReadonlySet<string>): JsonLine[] {
  const lines: JsonLine[] = [];
  const walk = (value: JsonValue, path: string, depth: number, prefix: string, comma: boolean) => {
    if (value === null || typeof value !== 'object') {
      lines.push({ depth, path, prefix, text: JSON.stringify(value), comma });
      return;
    }
    const isArray = Array.isArray(value);
    const entries: [string | number, JsonValue][] = isArray
      ? value.map((v, i) => [i, v] as [number, JsonValue])
      : Object.entries(value);
    const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) {
      lines.push({ depth, path, prefix, text: open + close, comma });
      return;
    }
    const kind = isArray ? 'array' : 'object';
    if (collapsed.has(path)) {
      lines.push({
        depth,
        path,
        prefix,
        text: `${open}…${close}`,
        fold: { collapsed: true, size: entries.length, kind },
        comma,
      });
      return;
    }
    lines.push({
      depth,
      path,
      prefix,
      text: open,
      fold: { collapsed: false, size: entries.length, kind },
      comma: false,
    });
    entries.forEach(([k, v], i) =>
      walk(v, childPath(path, k), depth + 1, isArray ? '' : `${JSON.stringify(k)}: `, i < entries.length - 1),
    );
    lines.push({ depth, path, prefix: '', text: close, closing: true, comma });
  };
  walk(doc, '$', 0, '', false);
  return lines;
}

/** Every foldable path of a document (for "collapse all"). */
export function foldablePaths(doc: JsonValue): string[] {
  return jsonLines(doc, new Set())
    .filter((l) => l.fold)
    .map((l) => l.path);
}

/** "3 keys" / "1 item": what a folded node holds. */
export function foldSummary(fold: NonNullable<JsonLine['fold']>): string {
  const noun = fold.kind === 'array' ? 'item' : 'key';
  return `${fold.size} ${noun}${fold.size === 1 ? '' : 's'}`;
}

/** Bytes of a base64 value. */
export function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * A hex dump like `xxd`'s: offset, 16 bytes in hex, printable ASCII. At most `maxBytes` bytes
 * (a dump is for a glance; Raw shows the whole value as base64).
 */
export function hexDump(bytes: Uint8Array, maxBytes = 4096): string {
  const lines: string[] = [];
  const n = Math.min(bytes.length, maxBytes);
  for (let at = 0; at < n; at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, n));
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0'));
    const pairs: string[] = [];
    for (let i = 0; i < 16; i += 2) pairs.push((hex[i] ?? '  ') + (hex[i + 1] ?? '  '));
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}: ${pairs.join(' ')}  ${ascii}`);
  }
  if (bytes.length > n) lines.push(`… ${bytes.length - n} more bytes`);
  return lines.join('\n');
}
