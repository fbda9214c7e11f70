// Loads the etcd v3 protos (ours, in ./proto) with @grpc/proto-loader. They sit beside this file in
// the source tree (tests) and beside the bundle in dist/main/proto (esbuild output).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';

export type Wire = Record<string, unknown>;

/** Field names as in the .proto (snake_case), int64 as decimal strings, bytes as Buffers. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: Number,
  bytes: Buffer,
  defaults: false,
  oneofs: true,
};

export function protoDir(): string {
  const candidates = [
    join(__dirname, 'proto'),
    join(process.cwd(), 'src', 'main', 'kv', 'server', 'proto'),
    join(process.cwd(), 'dist', 'main', 'proto'),
  ];
  for (const dir of candidates) if (existsSync(join(dir, 'rpc.proto'))) return dir;
  throw new Error(`etcd protos not found (looked in ${candidates.join(', ')})`);
}

let cached: protoLoader.PackageDefinition | undefined;

export function packageDefinition(): protoLoader.PackageDefinition {
  if (!cached) {
    const dir = protoDir();
    cached = protoLoader.loadSync(['rpc.proto'], { ...LOADER_OPTIONS, includeDirs: [dir] });
  }
  return cached;
}

interface FieldDescriptor {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName: string;
}

interface EnumDescriptor {
  name: string;
  value: { name: string; number: number }[];
}

interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
  enumType?: EnumDescriptor[];
  nestedType?: MessageDescriptor[];
}

export interface Reflection {
  message(name: string): MessageDescriptor;
  enumValues(name: string): EnumDescriptor['value'];
}

let reflection: Reflection | undefined;

/** Message and enum descriptors by short name (all short names are unique in our protos). */
export function reflect(): Reflection {
  if (reflection) return reflection;
  const messages = new Map<string, MessageDescriptor>();
  const enums = new Map<string, EnumDescriptor['value']>();
  const def = packageDefinition();
  const visit = (m: MessageDescriptor): void => {
    messages.set(m.name, m);
    for (const e of m.enumType ?? []) enums.set(e.name, e.value);
    for (const n of m.nestedType ?? []) visit(n);
  };
  for (const [full, entry] of Object.entries(def)) {
    const e = entry as { format?: string; type?: unknown };
    if (e.format === 'Protocol Buffer 3 DescriptorProto') visit(e.type as MessageDescriptor);
    else if (e.format === 'Protocol Buffer 3 EnumDescriptorProto') {
      const ed = e.type as EnumDescriptor;
      enums.set(full.split('.').pop() ?? ed.name, ed.value);
    }
  }
  const short = (n: string): string => n.split('.').pop() ?? n;
  reflection = {
    message: (name) => {
      const m = messages.get(short(name));
      if (!m) throw new Error(`unknown message ${name}`);
      return m;
    },
    enumValues: (name) => enums.get(short(name)) ?? [],
  };
  return reflection;
}
