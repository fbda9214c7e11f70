// The engine's cache over the shared glob compiler (src/shared/units/glob.ts).

import type { Glob } from '../../../shared/units/glob';
import { compileGlob } from '../../../shared/units/glob';

// schedule.test.ts still imports it under this name.

/** Compiles each distinct pattern once per cache (one cache per reconciliation). */
export class GlobCache {
  private readonly compiled = new Map<string, Glob>();

  get(pattern: string): Glob {
    let glob = this.compiled.get(pattern);
    if (glob === undefined) {
      glob = compileGlob(pattern);
      this.compiled.set(pattern, glob);
    }
    return glob;
  }
}
