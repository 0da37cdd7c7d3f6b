#!/usr/bin/env bash
# Stops the local control plane that start.sh started: exactly the processes
# named in its state directory's pids/ (each with the binary it was started
# from, so a pid the system has since given to another program is left alone),
# the newest first. The state directory stays for its logs; the next start
# makes it anew.
#
#   tests/cluster/controlplane/stop.sh [--quiet-if-stopped]     (make cluster-stop)
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

ours() {  # PID BINARY: PID still runs BINARY (not a pid reused by another program)
  [ -e "/proc/$1/exe" ] && [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$2" ]
}

stopped=() failed=()
# Reverse start order: kwok and the controllers first, etcd last.
for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  file=$STATE/pids/$name.pid
  [ -f "$file" ] || continue
  read -r pid binary <"$file"
  if ours "$pid" "$binary"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do  # up to 10 s, then KILL
      ours "$pid" "$binary" || break
      sleep 0.1
    done
    if ours "$pid" "$binary"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
    if ours "$pid" "$binary"; then failed+=("$name ($pid)"); continue; fi
    stopped+=("$name")
  fi
  rm -f "$file"
done
if [ "${#failed[@]}" -gt 0 ]; then
  say "could not stop: ${failed[*]}"
  exit 1
fi
if [ "$QUIET" = 0 ] || [ "${#stopped[@]}" -gt 0 ]; then say "stopped: ${stopped[*]:-nothing was running}"; fi
