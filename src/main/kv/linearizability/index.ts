/**
 * Linearizability checking for Flotilla's etcd-compatible KV (issue 4, deliverable 5). Pure: no I/O.
 *
 * - `checkOperations(model, history, { timeoutMs })`: WGL search with P-compositional partitioning, as in
 *   porcupine; deterministic and non-deterministic (state-forking) models.
 * - `etcdKvModel()`: put / linearizable get / delete / single-key txn CAS, revisions checked when recorded,
 *   unknown outcomes fork; partitioned by key. `patchUnknownWrites` resolves unknown writes against a
 *   committed-change log (from watches), which keeps refutation cheap.
 * - Watch validators: ordered, unique, atomic, complete, resumable, prev_kv.
 */
export * from './types';
export { checkOperations, formatCheckResult } from './checker';
export * from './register';
export * from './etcd-model';
export * from './watch';
export { generateKvHistory, generateKvRun, injectStaleRead, prng, type GenerateOptions } from './generate';
