// OS versions are dotted numbers (4459.2.1). They compare number by number, never as text:
// 4459.10.0 is newer than 4459.9.9.

const VERSION_RE = /^\d+(\.\d+)*$/;

function partsOf(version: string): number[] {
  if (!VERSION_RE.test(version)) {
    throw new Error(`version "${version}" is not numbers separated by dots, like 4459.2.1`);
  }
  return version.split('.').map(Number);
}

/** Negative when a is older than b, positive when newer, 0 when the same (4459.2 = 4459.2.0). */
export function compareVersions(a: string, b: string): number {
  const pa = partsOf(a);
  const pb = partsOf(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** a is strictly newer than b. */
export function isNewer(a: string, b: string): boolean {
  return compareVersions(a, b) > 0;
}
