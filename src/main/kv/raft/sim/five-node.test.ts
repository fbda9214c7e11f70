import { describe, it } from 'vitest';
import { runSeeds } from './seeds';

describe('raft simulation, 5 founding members', () => {
  it(
    'stays safe under loss, reordering, partitions and crashes, and converges once healed',
    () => runSeeds(5),
    600_000,
  );
});
