# Sourced by the project's scripts: `step NAME FIRST_RUN CMD...` says what runs and about how long it takes
# the first time (nothing cached), prints a heartbeat with the elapsed time every 30 s while it runs, and
# how long it took. The command's own output is kept in a log under $PGFS_CACHE/logs and shown if it fails.
step() {
  local name=$1 first=$2; shift 2
  local log_dir=${PGFS_CACHE:-$HOME/.cache/pulumi-glusterfs}/logs
  mkdir -p "$log_dir"
  local log=$log_dir/$(echo "$name" | tr -c 'A-Za-z0-9\n' '-').log
  local t0; t0=$(date +%s)
  echo "==> $name (first run: $first; cached after)"
  "$@" >"$log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && echo "    ... $(( $(date +%s) - t0 ))s: $(tail -n 1 "$log" | cut -c1-100)"
  done
  if ! wait "$pid"; then
    echo "    FAILED after $(( $(date +%s) - t0 ))s; the last lines of $log:" >&2
    tail -n 40 "$log" >&2
    return 1
  fi
  echo "    done in $(( $(date +%s) - t0 ))s: $(tail -n 1 "$log" | cut -c1-120)"
}
