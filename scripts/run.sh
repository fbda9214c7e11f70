#!/usr/bin/env bash
# The two commands README gives a fresh Debian/Ubuntu machine:
#   scripts/run.sh start   set up, build and start the app (desktop where Electron can run, else `flotctl serve`)
#   scripts/run.sh test    set up, build and run every test: typecheck, lint, unit, integration, e2e
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-}"
case "$what" in
  start | test) ;;
  *) echo "usage: scripts/run.sh start|test" >&2; exit 2 ;;
esac

bash scripts/setup-system.sh "$( [ "$what" = test ] && echo test || echo app )"

echo "[run] installing npm packages (npm ci)"
npm ci --no-audit --no-fund --loglevel=error
echo "[run] building"
npm run --silent build

if [ "$what" = start ]; then
  exec npm start
fi

echo "[run] typecheck, lint, format"
npm run --silent typecheck
npm run --silent lint
npm run --silent format:check
echo "[run] unit tests"
npm run --silent test:unit
echo "[run] integration tests (real Docker engine)"
npm run --silent test:integration
echo "[run] e2e tests (Chromium against flotctl serve)"
npm run --silent test:e2e
