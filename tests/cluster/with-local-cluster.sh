#!/usr/bin/env bash
# Runs a command against the local control plane (tests/cluster/controlplane):
# starts it, runs COMMAND with KUBECONFIG pointing at it, stops it, and exits
# with COMMAND's code. A control plane already running from the same state
# directory (make cluster) is used as it is and left running. HELMFILE defaults
# to the helmfile that build.sh built beside the control plane.
#
#   tests/cluster/with-local-cluster.sh tests/cluster/run.sh      (make cluster-test)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STATE=${DOTK8S_CLUSTER_DIR:-$ROOT/.cluster}
[ "$#" -gt 0 ] || { echo "usage: $0 COMMAND [ARG]..." >&2; exit 2; }

started_here=0
kubectl=${KUBECTL:-$ROOT/.tools/kubectl/kubectl}
[ -x "$kubectl" ] || kubectl=kubectl
if [ -s "$STATE/env" ] && compgen -G "$STATE/pids/*.pid" >/dev/null &&
  KUBECONFIG=$STATE/kubeconfig "$kubectl" get --raw=/readyz --request-timeout=5s >/dev/null 2>&1; then
  echo "local control plane: already running ($STATE), used as it is" >&2
  kubeconfig=$STATE/kubeconfig
else
  t0=$SECONDS
  kubeconfig=$("$HERE/controlplane/start.sh")
  started_here=1
  echo "local control plane: ready after $((SECONDS - t0)) s (build included, if it was needed)" >&2
fi

# shellcheck disable=SC2317  # called from the EXIT trap
stop_ours() {
  [ "$started_here" = 1 ] || return 0
  started_here=0
  "$HERE/controlplane/stop.sh" || true
}
trap 'stop_ours' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The helmfile built beside the control plane serves the suite's helmfile route,
# unless HELMFILE names another.
bin_dir=$(sed -n 's/^DOTK8S_CLUSTER_BIN=//p' "$STATE/env")
if [ -z "${HELMFILE:-}" ] && [ -x "$bin_dir/helmfile" ]; then export HELMFILE=$bin_dir/helmfile; fi

rc=0
KUBECONFIG=$kubeconfig "$@" || rc=$?
exit "$rc"
