import { describe, it } from 'vitest';
import { runSeeds } from './seeds';

describe('raft simulation, 3 founding members', () => {
  it(
    'stays safe under loss, reordering, partitions and crashes, and converges once healed',
    () => runSeeds(3),
    600_000,
  );
});
