// Journal cursors: where a reader is in every machine's journal, as one opaque string. A cursor
// names, per machine, the seq of the last entry the reader has had (0: none yet), so resuming
// from it gives exactly the entries after those — whatever was filtered, merged or rotated.

/** Machine id → seq of the last entry had. */
export type Positions = Map<string, number>;

const PREFIX = 'j1.';
const MACHINE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** An error the API reports as a bad request (lower layers say so through `apiCode`). */
export class CursorError extends Error {
  readonly apiCode = 'BAD_REQUEST';
  readonly hint = 'Pass a cursor exactly as an entry or batch of `journal.read` / `journal.follow` gave it.';
  constructor(message: string) {
    super(message);
    this.name = 'CursorError';
  }
}

export function encodeCursor(p: Positions): string {
  const body = [...p.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, seq]) => `${id}:${seq}`)
    .join(',');
  return PREFIX + Buffer.from(body, 'utf8').toString('base64url');
}

export function decodeCursor(s: string): Positions {
  if (!s.startsWith(PREFIX) || !/^[A-Za-z0-9_-]*$/.test(s.slice(PREFIX.length))) {
    throw new CursorError(`not a journal cursor: "${s.slice(0, 40)}"`);
  }
  const body = Buffer.from(s.slice(PREFIX.length), 'base64url').toString('utf8');
  const p: Positions = new Map();
  if (body === '') return p;
  for (const part of body.split(',')) {
    const colon = part.lastIndexOf(':');
    const id = part.slice(0, colon);
    const seq = Number(part.slice(colon + 1));
    if (colon < 0 || !MACHINE_ID.test(id) || !Number.isSafeInteger(seq) || seq < 0) {
      throw new CursorError('the journal cursor is damaged');
    }
    p.set(id, seq);
  }
  return p;
}
