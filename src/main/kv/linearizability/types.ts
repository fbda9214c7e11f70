/**
 * Types for the linearizability checker (Wing & Gong / Lowe search with P-compositionality, the approach
 * porcupine takes). Everything here is pure data: no I/O, no clocks except the optional timeout.
 */

/** One recorded client operation. Times are in any monotonic unit (ns or ms), all in the same unit. */
export interface Operation<I, O> {
  clientId: number;
  input: I;
  /** Invocation time. */
  call: number;
  output: O;
  /**
   * Response time. `Infinity` when the outcome is unknown (timeout, connection lost): the operation may take
   * effect at any point after `call`, or never (it is then linearized at the very end, where it is harmless).
   */
  return: number;
}

interface ModelCommon<S, I, O> {
  init(): S;
  /** Split the history into independent sub-histories (P-compositionality), e.g. by key. */
  partition?(history: readonly Operation<I, O>[]): Operation<I, O>[][];
  /** A printable name for a partition (e.g. its key). */
  partitionLabel?(ops: readonly Operation<I, O>[]): string;
  /** State equality, for the search cache. Defaults to `Object.is`, or to `hashState` equality when given. */
  equal?(a: S, b: S): boolean;
  /** Optional canonical string of a state: faster cache and state-set de-duplication. Equal ⇔ same string. */
  hashState?(s: S): string;
  describeOperation?(input: I, output: O): string;
  describeState?(s: S): string;
}

/** `step` says whether `output` is legal for `input` in `state`, and the state after it. */
export interface DeterministicModel<S, I, O> extends ModelCommon<S, I, O> {
  kind?: 'deterministic';
  step(state: S, input: I, output: O): [boolean, S];
}

/**
 * `step` returns every state the system may be in after `input` produced `output` (an empty list: illegal).
 * Used for operations whose outcome is unknown: both "applied" and "not applied" survive.
 * The checker searches over sets of states (as etcd's robustness NonDeterministicModel does).
 */
export interface NonDeterministicModel<S, I, O> extends ModelCommon<S, I, O> {
  kind: 'nondeterministic';
  step(state: S, input: I, output: O): S[];
}

export type Model<S, I, O> = DeterministicModel<S, I, O> | NonDeterministicModel<S, I, O>;

export interface CheckOptions {
  /** Give up after this long (result 'unknown'). No limit by default. */
  timeoutMs?: number;
  /** Clock for the timeout; defaults to `performance.now` / `Date.now`. Injectable for tests. */
  now?: () => number;
  /** Keep checking other partitions after an illegal one (default false: stop at the first). */
  checkAllPartitions?: boolean;
}

export interface LinearizedStep<I, O> {
  op: Operation<I, O>;
  /** Printable operation. */
  text: string;
  /** Printable state after the operation (possibly several states for non-deterministic models). */
  stateAfter: string;
}

export interface IllegalExplanation<I, O> {
  partitionIndex: number;
  partitionLabel: string;
  /** Number of operations in the partition. */
  partitionSize: number;
  /** The longest linearizable prefix the search found. */
  longestPrefix: LinearizedStep<I, O>[];
  /** State reached after that prefix. */
  stateAfterPrefix: string;
  /**
   * The operation that could not be placed: of the operations left after the prefix, the one that returns
   * first (every linearization must place it, or an operation concurrent with it, next — none fitted).
   */
  unplaceable: { op: Operation<I, O>; text: string };
  /** The operations that were candidates to come next (called before `unplaceable` returned). */
  candidates: { op: Operation<I, O>; text: string }[];
  /** Multi-line human-readable explanation. */
  text: string;
}

export type CheckVerdict = 'ok' | 'illegal' | 'unknown';

export interface CheckResult<I, O> {
  result: CheckVerdict;
  /** Number of partitions the model split the history into. */
  partitions: number;
  /** Number of partitions fully checked (ok or illegal). */
  partitionsChecked: number;
  /** Labels of illegal partitions (one unless `checkAllPartitions`). */
  illegalPartitions: string[];
  /** Explanation of the first illegal partition. */
  illegal?: IllegalExplanation<I, O>;
  elapsedMs: number;
}
