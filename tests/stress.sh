#!/usr/bin/env bash
# Runs the whole suite (the README's test command, `dotnet test` at the root) N times in a row while
# two CPU-bound busy loops load the machine, as a loaded CI box does. Usage: tests/stress.sh [N]
# (default 5). Prints one line per run and exits non-zero if any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
busy=()

stop_busy() {
  # Only the loops this script started, by their pids.
  for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${busy[@]}"; do wait "$pid" 2>/dev/null || true; done
  busy=()
}
trap stop_busy EXIT
trap 'stop_busy; exit 130' INT TERM

for _ in 1 2; do
  sh -c 'while :; do :; done' &
  busy+=("$!")
done

failed=0
log=$(mktemp)
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  dotnet test >"$log" 2>&1
  status=$?
  took=$(( $(date +%s) - start ))
  passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  fails=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  if [ "$status" -eq 0 ] && [ "$passed" -gt 0 ]; then
    echo "run $i/$runs: ok, $passed passed, ${took}s"
  else
    failed=$((failed + 1))
    echo "run $i/$runs: FAILED (exit $status), $passed passed, $fails failed, ${took}s"
    grep -E '^\s+Failed [A-Za-z]' "$log" | sed 's/^/    /'
    # The whole output of a failed run is kept: a failure under load is rarely reproduced on demand.
    kept="${TMPDIR:-/tmp}/stress-run-$i.log"
    cp "$log" "$kept" && echo "    output: $kept"
  fi
done
rm -f "$log"
echo "stress: $((runs - failed))/$runs runs green"
[ "$failed" -eq 0 ]
