// Proto JSON as etcd's grpc-gateway speaks it (jsonpb with OrigName): proto field names, bytes as
// base64, 64-bit integers as decimal strings, enums by name, zero values omitted.
import { reflect, type Wire } from './proto';

const LONG_TYPES = new Set(['TYPE_INT64', 'TYPE_UINT64', 'TYPE_SINT64', 'TYPE_FIXED64', 'TYPE_SFIXED64']);

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '' || v === '0') return true;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return v.length === 0;
  if (Array.isArray(v)) return v.length === 0;
  return false;
}

/** A wire object (proto-loader shape) to gateway JSON. */
export function toJson(type: string, msg: Wire): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of reflect().message(type).field) {
    const v = msg[f.name];
    if (f.type !== 'TYPE_MESSAGE' && isZero(v)) continue;
    if (v === undefined || v === null) continue;
    const one = (x: unknown): unknown => {
      switch (f.type) {
        case 'TYPE_MESSAGE':
          return toJson(f.typeName, x as Wire);
        case 'TYPE_BYTES':
          return Buffer.from(x as Uint8Array).toString('base64');
        case 'TYPE_ENUM': {
          const n = Number(x);
          return (
            reflect()
              .enumValues(f.typeName)
              .find((e) => e.number === n)?.name ?? n
          );
        }
        default:
          return LONG_TYPES.has(f.type) ? String(x as string | number | bigint) : x;
      }
    };
    if (f.label === 'LABEL_REPEATED') {
      if ((v as unknown[]).length > 0) out[f.name] = (v as unknown[]).map(one);
    } else out[f.name] = one(v);
  }
  return out;
}

const camel = (s: string): string => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

export class JsonInputError extends Error {}

/** Gateway JSON (proto or camelCase names) to a wire object in proto-loader shape. */
export function fromJson(type: string, json: unknown): Wire {
  if (json === null || json === undefined) return {};
  if (typeof json !== 'object' || Array.isArray(json))
    throw new JsonInputError(`${type}: expected an object`);
  const src = json as Record<string, unknown>;
  const out: Wire = {};
  for (const f of reflect().message(type).field) {
    const v = src[f.name] ?? src[camel(f.name)];
    if (v === undefined || v === null) continue;
    const one = (x: unknown): unknown => {
      switch (f.type) {
        case 'TYPE_MESSAGE':
          return fromJson(f.typeName, x);
        case 'TYPE_BYTES':
          if (typeof x !== 'string') throw new JsonInputError(`${f.name}: expected base64`);
          return Buffer.from(x, 'base64');
        case 'TYPE_ENUM': {
          if (typeof x === 'number') return x;
          const e = reflect()
            .enumValues(f.typeName)
            .find((ev) => ev.name === x);
          if (!e) throw new JsonInputError(`${f.name}: unknown value ${String(x)}`);
          return e.number;
        }
        case 'TYPE_BOOL':
          return x === true || x === 'true';
        case 'TYPE_STRING':
          return String(x as string);
        default: {
          const s = String(x as string | number);
          if (!/^-?\d+$/.test(s)) throw new JsonInputError(`${f.name}: expected an integer`);
          return LONG_TYPES.has(f.type) ? s : Number(s);
        }
      }
    };
    if (f.label === 'LABEL_REPEATED') {
      if (!Array.isArray(v)) throw new JsonInputError(`${f.name}: expected an array`);
      out[f.name] = v.map(one);
    } else out[f.name] = one(v);
  }
  return out;
}
