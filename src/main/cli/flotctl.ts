import { runCli } from './commands';

// The flotctl binary's entry (bundled to dist/main/flotctl.cjs; bin/flotctl loads it).
runCli(process.argv.slice(2), {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`Error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
