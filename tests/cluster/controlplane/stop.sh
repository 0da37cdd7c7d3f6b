#!/usr/bin/env bash
# Stops the local control plane that start.sh started: exactly the processes
# named in its state directory's pids/, each only while its pid still has the
# start time recorded at launch (a pid the system has since given to another
# process is left alone), the newest first: TERM, then KILL after 10 s. The
# state directory stays for its logs; the next start makes it anew.
#
#   tests/cluster/controlplane/stop.sh [--quiet-if-stopped]     (make cluster-stop)
#
# Exit 1 when a process would not stop.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
STATE=${DOTK8S_CLUSTER_DIR:-$ROOT/.cluster}
QUIET=0
[ "${1:-}" = --quiet-if-stopped ] && QUIET=1

say() { printf 'controlplane: %s\n' "$*" >&2; }

if ! compgen -G "$STATE/pids/*.pid" >/dev/null; then
  [ "$QUIET" = 1 ] || say "no control plane of $STATE is running"
  exit 0
fi
# start.sh holds the lock itself when it calls this (DOTK8S_CONTROLPLANE_LOCKED=1).
if [ "${DOTK8S_CONTROLPLANE_LOCKED:-}" != 1 ]; then
  exec 8>"$STATE.lock"
  flock -w 60 8 || { say "a start of $STATE held its lock for 60 s"; exit 1; }
fi

process_start_time() {  # PID: its start time in clock ticks since boot ("" when it is gone)
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }  # the fields after the command name, which may hold spaces
  read -r -a fields <<<"$stat"
  printf '%s' "${fields[19]}"  # field 22 of the whole line
}

ours() {  # PID START_TIME: that process still runs
  [ -n "$2" ] && [ "$(process_start_time "$1")" = "$2" ]
}

stopped=() failed=() gone=()
# Reverse start order: kwok and the controllers first, etcd last.
for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  file=$STATE/pids/$name.pid
  [ -f "$file" ] || continue
  pid="" start_time=""
  read -r pid start_time <"$file" || true
  if [ -n "$pid" ] && ours "$pid" "$start_time"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do  # up to 10 s, then KILL
      ours "$pid" "$start_time" || break
      sleep 0.1
    done
    if ours "$pid" "$start_time"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
    if ours "$pid" "$start_time"; then failed+=("$name ($pid)"); continue; fi
    stopped+=("$name")
  elif [ -n "$pid" ]; then
    gone+=("$name ($pid)")
  fi
  rm -f "$file"
done
if [ "${#gone[@]}" -gt 0 ]; then say "already gone (or the pid is no longer ours, left alone): ${gone[*]}"; fi
if [ "${#failed[@]}" -gt 0 ]; then
  say "could not stop: ${failed[*]}"
  exit 1
fi
if [ "$QUIET" = 0 ] || [ "${#stopped[@]}" -gt 0 ]; then say "stopped: ${stopped[*]:-nothing was running}"; fi
