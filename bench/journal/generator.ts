// The unit that prints: `bench 1` … `bench N` at R lines a second, paced by the clock (busybox
// ash's $EPOCHREALTIME) in bursts every 10 ms (usleep), so that slow rounds are caught up and
// the rate holds. It says on stderr how long it took, then sleeps (an exit would be restarted or
// reported). Only `$NAME` and `$((…))` forms: `${NAME}` would be the unit's environment.

export function generatorUnit(lines: number, perSecond: number): string {
  const script = [
    `N=${lines}`,
    `R=${perSecond}`,
    'set -f',
    'IFS=.',
    'set -- $EPOCHREALTIME',
    's0=$1',
    'u0=1$2',
    'i=0',
    'while [ $i -lt $N ]; do set -- $EPOCHREALTIME; ms=$(( ($1 - s0) * 1000 + (1$2 - u0) / 1000 )); want=$(( ms * R / 1000 )); [ $want -gt $N ] && want=$N; while [ $i -lt $want ]; do i=$((i+1)); echo "bench $i"; done; usleep 10000; done',
    'echo "generated $i lines in $ms ms" >&2',
    'exec sleep 100000',
  ].join('; ');
  return `[Unit]\nDescription=bench:journal generator\n\n[Service]\nExecStart=/bin/sh -c '${script}'\n`;
}
