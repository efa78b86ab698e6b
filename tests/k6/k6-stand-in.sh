#!/usr/bin/env bash
# A stand-in for the k6 binary (K6_BIN) in tests, where k6 (AGPL) is not installed. `version`
# answers; `run [k6 flags] SCRIPT` runs SCRIPT in k6 v1.3.0's engine through
# tools/k6-engine-check (path in K6_ENGINE_CHECK), which writes handleSummary's files the way
# k6 does: it opens them and fails when their folder is missing (it never creates one).
set -euo pipefail
case "${1:-}" in
  version) echo "k6 v1.3.0 stand-in (tools/k6-engine-check)"; exit 0 ;;
  run) shift ;;
  *) echo "k6 stand-in: only 'version' and 'run' are implemented, not '${1:-}'" >&2; exit 2 ;;
esac
: "${K6_ENGINE_CHECK:?K6_ENGINE_CHECK must name the built tools/k6-engine-check binary}"
args=(-k6-exit-codes)
while [ "$#" -gt 1 ]; do
  case "$1" in
    -e | --env) args+=(-e "$2"); shift 2 ;;
    -o | --out | --tag) echo "k6 stand-in: ignoring $1 $2 (no outputs or tags here)" >&2; shift 2 ;;
    --out=* | --tag=*) echo "k6 stand-in: ignoring $1" >&2; shift ;;
    *) echo "k6 stand-in: k6 flag $1 is not implemented" >&2; exit 2 ;;
  esac
done
[ "$#" -eq 1 ] || { echo "k6 stand-in: expected one script after the flags" >&2; exit 2; }
exec "$K6_ENGINE_CHECK" "${args[@]}" "$1"
