#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end service benchmark: N jobs of ../shared/media/video.mp4 through a private RabbitMQ,
# SQLite and local-folder buckets, with 1, 2 and 4 workers. Prints the wall time from the
# service's start until every job is COMPLETED, jobs per second and the service's peak RSS.
# Usage: bench/service_bench.sh [JOBS (default 20)] [WORKER COUNTS... (default 1 2 4)]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
jobs=${1:-20}
shift || true
workers=("$@")
((${#workers[@]})) || workers=(1 2 4)
bin=${VE_BIN:-$repo/build/release/src/video-encoder}
[ -x "$bin" ] || "$repo/scripts/build" release >/dev/null
work=$(mktemp -d /tmp/ve-service-bench.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export VE_RABBITMQ_PORT=$(free_port) VE_RABBITMQ_DIST_PORT=$(free_port) VE_EPMD_PORT=$(free_port) VE_RABBITMQ_MANAGEMENT=0
cleanup() { "$repo/scripts/lib/rabbitmq-node" stop "$work/rabbitmq" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
"$repo/scripts/lib/rabbitmq-node" start "$work/rabbitmq" >/dev/null

printf '%-8s %10s %10s %12s\n' workers "wall (s)" "jobs/s" "peak RSS MiB"
for w in "${workers[@]}"; do
  run=$work/run-$w
  mkdir -p "$run/storage/in"
  cp "$repo/../shared/media/video.mp4" "$run/storage/in/video.mp4"
  cat > "$run/.env" <<ENV
DB_TYPE=sqlite3
localStoragePath=$run/work
STORAGE_ROOT=$run/storage
inputBucketName=in
outputBucketName=out
CONCURRENCY_WORKERS=$w
CONCURRENCY_UPLOAD=4
RABBITMQ_DEFAULT_PORT=$VE_RABBITMQ_PORT
ENV
  # Queue every job first, so the measurement is the service working through a backlog.
  for i in $(seq "$jobs"); do (cd "$run" && "$bin" submit --resource-id "bench-$i" --file-path video.mp4 >/dev/null); done
  start=$EPOCHREALTIME
  (cd "$run" && exec /usr/bin/time -f '%M' -o "$run/rss" "$bin" serve >"$run/service.log" 2>&1) &
  pid=$!
  until [ "$(cd "$run" && "$bin" jobs --status COMPLETED 2>/dev/null | tail -n +2 | wc -l)" -ge "$jobs" ]; do
    sleep 0.05
    if ! kill -0 "$pid" 2>/dev/null; then echo "service died:"; tail "$run/service.log"; exit 1; fi
  done
  end=$EPOCHREALTIME
  pkill -TERM -P "$pid" || true  # the service, a child of /usr/bin/time
  wait "$pid" || true
  awk -v w="$w" -v s="$start" -v e="$end" -v n="$jobs" -v rss="$(cat "$run/rss")" \
    'BEGIN { printf "%-8s %10.2f %10.2f %12.1f\n", w, e - s, n / (e - s), rss / 1024 }'
done
