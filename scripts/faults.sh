#!/usr/bin/env bash
# The scripted fault run for the operations report: every fault of test/resilience.e2e.ts under a steady SIPp load,
# with Redis and PostgreSQL away for CTI_FAULT_OUTAGE_S seconds (default 60, as the contract's scenarios say).
# Prints one JSON line per fault, then (last line) one JSON object with all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
export CTI_FAULT_OUTAGE_S=${CTI_FAULT_OUTAGE_S:-60}
npx tsc -b
npx vitest run --project e2e test/resilience.e2e.ts | tee /tmp/cti-faults.out | grep -E '✓|×|Tests' || true
run=$(grep -o 'run e2e_[0-9]*' /tmp/cti-faults.out | head -n1 | cut -d' ' -f2)
file=".run/$run/faults.jsonl"
[ -f "$file" ] || { echo "no figures in $file" >&2; exit 1; }
cat "$file"
node -e "const l=require('fs').readFileSync(process.argv[1],'utf8').trim().split('\n').map(JSON.parse);console.log(JSON.stringify({faults:l}))" "$file"
