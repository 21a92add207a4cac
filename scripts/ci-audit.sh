#!/usr/bin/env bash
# CI: start a real server with the bundled plugins, wait until it is ready, and run `bastion audit --json` against
# it. Contract errors fail the run (exit 1); warnings (e.g. the GPU plugin UNAVAILABLE without a GPU) do not.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
node apps/server/bin/bastion.js serve --port 0 --data-dir "$work/data" --log-level warn >"$work/serve.log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

url=''
for _ in $(seq 1 240); do
  url=$(grep -o 'listening on http://[^ ]*' "$work/serve.log" | head -n1 | cut -d' ' -f3 || true)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; echo 'ci-audit: the server exited before listening' >&2; exit 1; }
  sleep 0.5
done
[ -n "$url" ] || { cat "$work/serve.log"; echo 'ci-audit: the server did not start within 120 s' >&2; exit 1; }
# Readiness: every plugin reached its first state (slow model loads included).
for _ in $(seq 1 240); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz")" = 200 ] && break
  sleep 0.5
done
node apps/server/bin/bastion.js audit --url "$url" --json >"$work/audit.json" || status=$?
cat "$work/audit.json"
if [ "${status:-0}" -ne 0 ]; then
  echo 'ci-audit: bastion audit found health-contract errors' >&2
  exit 1
fi
echo 'ci-audit: health contract OK'
