#!/usr/bin/env bash
# Restarts only the kube-apiserver of the local control plane that start.sh
# started, with the command line it runs now (read from /proc), so that a test
# can cut the API server away from a running helm (tests/cluster/lib/interrupt.sh):
# TERM (KILL after 10 s), DOWN seconds without an API server, then the same
# command again in a session of its own, its pid recorded in pids/ as start.sh
# records it (stop.sh stops it as any other), and /readyz waited for. etcd, the
# controllers and KWOK keep running and reconnect by themselves.
#
#   tests/cluster/controlplane/restart-apiserver.sh [DOWN_SECONDS]   (default 0)
#
# Exit 1 when there is no API server of DOTK8S_CLUSTER_DIR to restart or it does
# not come back ready within DOTK8S_CLUSTER_START_TIMEOUT (180 s).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
STATE=${DOTK8S_CLUSTER_DIR:-$ROOT/.cluster}
DOWN=${1:-0}
START_TIMEOUT=${DOTK8S_CLUSTER_START_TIMEOUT:-180}
PID_FILE=$STATE/pids/kube-apiserver.pid

say() { printf 'controlplane: %s\n' "$*" >&2; }
die() { say "$1"; exit 1; }

[[ $DOWN =~ ^[0-9]+$ ]] || die "DOWN_SECONDS must be a whole number of seconds, not '$DOWN'"
[ -f "$PID_FILE" ] || die "no API server of $STATE is running ($PID_FILE is missing): start it with start.sh"
# The same lock as start.sh and stop.sh: never while one of them runs.
exec 8>"$STATE.lock"
flock -w 60 8 || die "a start or stop of $STATE held its lock for 60 s"

process_start_time() {  # PID: its start time in clock ticks since boot ("" when it is gone or a zombie)
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }  # the fields after the command name, which may hold spaces
  read -r -a fields <<<"$stat"
  # A zombie has stopped; its parent (here init, which start.sh left it to) reaps it later.
  [ "${fields[0]}" = Z ] && return 0
  printf '%s' "${fields[19]}"  # field 22 of the whole line
}
ours() { [ -n "$2" ] && [ "$(process_start_time "$1")" = "$2" ]; }

pid="" start_time=""
read -r pid start_time <"$PID_FILE" || true
ours "$pid" "$start_time" || die "the API server recorded in $PID_FILE (pid $pid) is no longer running"
# Its own argv, NUL-separated: the restart runs exactly what start.sh launched.
argv=()
mapfile -d '' -t argv <"/proc/$pid/cmdline"
if [ "${#argv[@]}" -lt 2 ] || [[ ${argv[0]} != */kube-apiserver ]]; then
  die "pid $pid does not run kube-apiserver (${argv[0]:-?}); left alone"
fi
secure_port=""
for ((i = 0; i < ${#argv[@]} - 1; i++)); do
  [ "${argv[i]}" = --secure-port ] && secure_port=${argv[i + 1]}
done
[ -n "$secure_port" ] || die "no --secure-port in the API server's command line"

started=$SECONDS
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 100); do  # up to 10 s, then KILL
  ours "$pid" "$start_time" || break
  sleep 0.1
done
if ours "$pid" "$start_time"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
ours "$pid" "$start_time" && die "the API server (pid $pid) would not stop"
say "kube-apiserver (pid $pid) stopped after $((SECONDS - started)) s; down for $DOWN s"
sleep "$DOWN"

# As start.sh's launch: its own session, output appended to its log, no lock inherited.
setsid "${argv[@]}" >>"$STATE/logs/kube-apiserver.log" 2>&1 </dev/null 8>&- &
new_pid=$!
printf '%s %s\n' "$new_pid" "$(process_start_time "$new_pid")" >"$PID_FILE"
pki=$STATE/pki
since=$SECONDS
until curl -fsS --max-time 5 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
  "https://127.0.0.1:$secure_port/readyz" >/dev/null 2>&1; do
  kill -0 "$new_pid" 2>/dev/null || die "the restarted API server (pid $new_pid) exited: see $STATE/logs/kube-apiserver.log"
  [ $((SECONDS - since)) -lt "$START_TIMEOUT" ] || die "the restarted API server was not ready within $START_TIMEOUT s"
  sleep 1
done
say "kube-apiserver restarted (pid $new_pid), ready after $((SECONDS - since)) s"
