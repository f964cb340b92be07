#!/usr/bin/env bash
# The benchmark set: web form (Desk beside a bare Starlette form, SQLite), queue page at
# 100k and 1M tickets on SQLite and PostgreSQL, and the rest. Each prints one JSON line;
# they are appended to bench/results.jsonl with the commit and the time. Needs PostgreSQL
# and Redis on 127.0.0.1 (scripts/services.sh) for the postgres runs. Takes about 6 minutes
# on the 2-core machine.
#   bench/run_all.sh            # everything
#   BENCH_DURATION=5 bench/run_all.sh   # a quick pass
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
OUT=bench/results.jsonl
DURATION="${BENCH_DURATION:-30}"
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY="$(git status --porcelain -- desk channels templates 2>/dev/null | head -c1)"
failed=0

run() {
  echo "== $*" >&2
  local line
  if line="$("$PY" -m "$@")" && [ -n "$line" ]; then
    # Tag each result with the code it measured and when.
    "$PY" -c 'import json, sys; r = json.loads(sys.argv[1]); r.update(commit=sys.argv[2], dirty=sys.argv[3] == "1", at=sys.argv[4]); print(json.dumps(r))' \
      "$line" "$COMMIT" "$([ -n "$DIRTY" ] && echo 1 || echo 0)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" | tee -a "$OUT"
  else
    echo "!! $* failed" >&2
    failed=1
  fi
}

run bench.webform --seconds "$DURATION"
run bench.email_parse
run bench.imap_fetch -n 5000 --cap 500
run bench.startup --runs 10
run bench.email_ingest -n 5000
run bench.email_accuracy -n 5000
run bench.imap_tickets -n 5000
run bench.smtp_push -n 5000
run bench.kb_suggest --articles 20000
run bench.customer_import --backend sqlite --rows 100000
run bench.customer_import --backend postgres --rows 100000
run bench.customer_merge --tickets 1000 --backend sqlite
run bench.customer_merge --tickets 1000 --backend postgres
run bench.customer_search --backend sqlite --customers 1000000
run bench.customer_search --backend postgres --customers 1000000
for tickets in 100000 1000000; do
  run bench.queue --backend sqlite --tickets "$tickets"
  run bench.queue --backend postgres --tickets "$tickets"
done
exit "$failed"
