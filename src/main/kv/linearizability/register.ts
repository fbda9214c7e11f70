import type { DeterministicModel, NonDeterministicModel, Operation } from './types';

/** A single read/write register: the classic example model (deterministic). */
export type RegisterInput = { op: 'write'; value: number } | { op: 'read' };
/** For reads: the value read. For writes: ignored. `undefined` for an unknown outcome. */
export type RegisterOutput = number | undefined;

export const registerModel: DeterministicModel<number, RegisterInput, RegisterOutput> = {
  init: () => 0,
  step(state, input, output) {
    if (input.op === 'write') return [true, input.value];
    if (output === undefined) return [true, state];
    return [output === state, state];
  },
  describeOperation: (input, output) =>
    input.op === 'write' ? `write(${input.value})` : `read() -> ${output ?? '?'}`,
  describeState: (s) => String(s),
};

/**
 * The same register as a non-deterministic model: a write whose outcome is unknown (`output === undefined`)
 * forks into "applied" and "not applied", so it can keep a finite return time.
 */
export const registerModelNonDeterministic: NonDeterministicModel<number, RegisterInput, RegisterOutput> = {
  kind: 'nondeterministic',
  init: () => 0,
  step(state, input, output) {
    if (input.op === 'write') return output === undefined ? [state, input.value] : [input.value];
    if (output === undefined) return [state];
    return output === state ? [state] : [];
  },
  hashState: (s) => String(s),
  describeOperation: registerModel.describeOperation,
  describeState: registerModel.describeState,
};

/** Key-value registers: one register per key, partitioned by key. */
export type KeyedRegisterInput = { key: string } & RegisterInput;

export const keyedRegisterModel: DeterministicModel<number, KeyedRegisterInput, RegisterOutput> = {
  init: () => 0,
  step: (s, i, o) => registerModel.step(s, i, o),
  partition(history) {
    const byKey = new Map<string, Operation<KeyedRegisterInput, RegisterOutput>[]>();
    for (const op of history) {
      const l = byKey.get(op.input.key);
      if (l) l.push(op);
      else byKey.set(op.input.key, [op]);
    }
    return [...byKey.values()];
  },
  partitionLabel: (ops) => `key ${JSON.stringify(ops[0]?.input.key)}`,
  describeOperation: (i, o) => `${i.key}: ${registerModel.describeOperation!(i, o)}`,
  describeState: (s) => String(s),
};
