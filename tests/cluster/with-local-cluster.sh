#!/usr/bin/env bash
# Runs a command against the local control plane (tests/cluster/controlplane):
# starts it, runs COMMAND with KUBECONFIG pointing at it, stops it, and exits
# with COMMAND's code. A control plane already running from the same state
# directory (make cluster) is used as it is and left running. A control plane
# that would not stop fails the run.
#
#   tests/cluster/with-local-cluster.sh tests/cluster/run.sh      (make cluster-test)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STATE=${DOTK8S_CLUSTER_DIR:-$ROOT/.cluster}
[ "$#" -gt 0 ] || { echo "usage: $0 COMMAND [ARG]..." >&2; exit 2; }

started_here=0
# shellcheck disable=SC2317  # stop_ours and on_exit are called from the traps
stop_ours() {
  [ "$started_here" = 1 ] || return 0
  started_here=0
  "$HERE/controlplane/stop.sh"
}
# shellcheck disable=SC2317
on_exit() {
  local rc=$?
  stop_ours || { echo "local control plane: it would not stop (tests/cluster/controlplane/stop.sh)" >&2; [ "$rc" != 0 ] || rc=1; }
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

kubectl=${KUBECTL:-$ROOT/.tools/kubectl/kubectl}
[ -x "$kubectl" ] || kubectl=kubectl
if [ -s "$STATE/env" ] && compgen -G "$STATE/pids/*.pid" >/dev/null &&
  KUBECONFIG=$STATE/kubeconfig "$kubectl" get --raw=/readyz --request-timeout=5s >/dev/null 2>&1; then
  echo "local control plane: already running ($STATE), used as it is" >&2
  kubeconfig=$STATE/kubeconfig
else
  t0=$SECONDS
  started_here=1  # before the start: an interrupted start is stopped too
  kubeconfig=$("$HERE/controlplane/start.sh")
  echo "local control plane: ready after $((SECONDS - t0)) s (build included, if it was needed)" >&2
fi

rc=0
KUBECONFIG=$kubeconfig "$@" || rc=$?
exit "$rc"
