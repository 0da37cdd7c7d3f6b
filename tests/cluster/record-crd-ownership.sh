#!/usr/bin/env bash
# Records what the driver reads before it applies CRDs (crd_ownership.h) from a
# real API server, for tests/driver_crd_ownership_test.cc and
# tests/driver_crds_test.cc: tests/testdata/crd-ownership/<case>/
# customresourcedefinitions.apiextensions.k8s.io.json, the answer of `kubectl get
# --raw /apis/apiextensions.k8s.io/v1/customresourcedefinitions` (the driver's
# own call), kept to Envoy Gateway's CRDs (for keda-release, KEDA's four).
#
# It starts its own local control plane (tests/cluster/controlplane/start.sh)
# in a temporary directory, three times (a fresh cluster for each group), on
# ports from $DOTK8S_CLUSTER_PORT_BASE (default 28443), and stops it on exit.
# The charts are the stand-ins (tests/standin-charts, packaged as
# tests/cluster/run.sh does with CHARTS=standin); Helm 4.1.4, kubectl 1.35 of
# .tools. The cases:
#   standard-another-team  Traefik's standard-channel bundle (v1.4.0) applied
#                          server-side by field manager another-team, then
#                          `dotk8s install --profile gateway` (which leaves it alone).
#   taken-over             then `dotk8s upgrade --profile gateway --take-over-crds`.
#   standard-without-referencegrants
#                          on a fresh cluster, the same bundle without its
#                          ReferenceGrant CRD by another-team (install refuses: checked).
#   ours                   on a fresh cluster, `dotk8s install --profile gateway`.
#   keda-release           then the stand-in KEDA chart installed by Helm 4 as
#                          release keda in keda (its templated CRDs carry Helm's marks).
# Normalised (jq), because they change on every run or are large and unread:
# uids, resourceVersions, timestamps fixed; CRD schemas and the field lists
# under f:spec.f:versions dropped (the driver reads metadata, the served
# versions, and whether a manager's field set has f:spec).
# Usage: tests/cluster/record-crd-ownership.sh   (about a minute and a half)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-$ROOT/build}
DOTK8S=$BUILD/dotk8s
HELM4=${HELM4:-$ROOT/.tools/helm4/helm}
KUBECTL=${KUBECTL:-$ROOT/.tools/kubectl/kubectl}
SHARED=${DOTK8S_SHARED:-$ROOT/../shared}
TESTDATA=$ROOT/tests/testdata/crd-ownership
PORT_BASE=${DOTK8S_CLUSTER_PORT_BASE:-28443}

say() { printf 'record-crd-ownership: %s\n' "$*" >&2; }
die() {
  say "error: $1"
  [ -z "${2:-}" ] || printf '  hint: %s\n' "$2" >&2
  exit "${3:-1}"
}

case "${1:-}" in
  "") ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    exit 0 ;;
  *) die "unknown argument: $1" "tests/cluster/record-crd-ownership.sh" 2 ;;
esac

[ -x "$HELM4" ] || die "$HELM4 is missing" "scripts/install-tools.sh (make tools) puts Helm 4.1.4 there" 2
[ -x "$KUBECTL" ] || die "$KUBECTL is missing" "scripts/install-tools.sh (make tools) puts kubectl 1.35 there" 2
{ [ -x "$DOTK8S" ] && [ -x "$BUILD/dotk8s-post" ]; } ||
  die "$DOTK8S or $BUILD/dotk8s-post is not built" "cmake --build build --target dotk8s dotk8s-post (or BUILD=DIR)" 2
command -v jq >/dev/null 2>&1 || die "jq is not installed" "apt-get install jq" 2
[ -d "$SHARED/fixtures/upstream/crds" ] ||
  die "the shared fixtures are missing ($SHARED/fixtures/upstream/crds)" "set DOTK8S_SHARED" 2

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dotk8s-record-crd-ownership.XXXXXX")
CLUSTER_DIR=""
stop_cluster() {
  [ -n "$CLUSTER_DIR" ] || return 0
  DOTK8S_CLUSTER_DIR=$CLUSTER_DIR "$HERE/controlplane/stop.sh" >/dev/null || true
  CLUSTER_DIR=""
}
finish() {
  local rc=$?
  stop_cluster
  if [ "$rc" = 0 ]; then rm -rf "$WORK"; else say "failed (exit $rc); kept: $WORK"; fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_cluster() {  # NAME: a fresh control plane; KUBECONFIG points at it
  stop_cluster
  CLUSTER_DIR=$WORK/cluster-$1
  DOTK8S_CLUSTER_DIR=$CLUSTER_DIR DOTK8S_CLUSTER_PORT_BASE=$PORT_BASE "$HERE/controlplane/start.sh" \
    >"$WORK/start-$1.log" 2>&1 || die "the control plane did not start: $(tail -n 3 "$WORK/start-$1.log")"
  export KUBECONFIG=$CLUSTER_DIR/kubeconfig
}

# The chart: a copy with the stand-ins packaged in; the driver's state in WORK.
CHART=$WORK/chart/dot-apps
mkdir -p "$WORK/chart" "$WORK/state" "$WORK/data" "$WORK/out"
cp -R charts/dot-apps "$CHART"
rm -f "$CHART"/charts/*.tgz
HELM=$HELM4 DOTK8S_SHARED=$SHARED tests/standin-charts/package.sh "$CHART/charts" >"$WORK/package.log" 2>&1 ||
  die "could not package the stand-in charts: $(tail -n 3 "$WORK/package.log")"
export DOTK8S_CHART=$CHART XDG_STATE_HOME=$WORK/state XDG_DATA_HOME=$WORK/data

# The bundle another team applies: Traefik's crds/, and the same without ReferenceGrant.
tar -xzOf "$CHART"/charts/traefik-*.tgz traefik/crds/gateway-standard-install.yaml >"$WORK/standard.yaml"
awk 'BEGIN { RS = "\n---\n"; ORS = "\n---\n" } !/\n  name: referencegrants\.gateway\.networking\.k8s\.io\n/' \
  "$WORK/standard.yaml" >"$WORK/standard-without-referencegrants.yaml"
# The CRDs the driver applies with Envoy Gateway on: gateway-helm's crds/.
mapfile -t ENVOY_CRDS < <(tar -xzOf "$CHART"/charts/gateway-helm-*.tgz --wildcards 'gateway-helm/crds/*' |
  awk '/^kind: CustomResourceDefinition/ { crd = 1 } crd && /^  name: / { print $2; crd = 0 }')
[ "${#ENVOY_CRDS[@]}" -gt 0 ] || die "no CRDs found in the gateway-helm archive"

dotk8s() { "$DOTK8S" "$1" --helm "$HELM4" --kubectl "$KUBECTL" --profile gateway "${@:2}" >>"$WORK/dotk8s.log" 2>&1; }
another_team() { "$KUBECTL" apply --server-side --field-manager=another-team -f "$1" >>"$WORK/kubectl.log"; }

ANSWER=customresourcedefinitions.apiextensions.k8s.io.json  # the name tests/fakes/kubectl answers the raw list from
record() {  # CASE CRD...
  local case=$1
  shift
  "$KUBECTL" get --raw /apis/apiextensions.k8s.io/v1/customresourcedefinitions >"$WORK/out/$case.raw.json"
  mkdir -p "$WORK/out/$case"
  jq --args '
    ($ARGS.positional) as $names
    | def fix: .metadata.uid = "00000000-0000-0000-0000-000000000000"
      | .metadata.resourceVersion = "1"
      | .metadata.creationTimestamp = "2026-01-01T00:00:00Z"
      | del(.spec.versions[].schema)
      | .metadata.managedFields |= map(.time = "2026-01-01T00:00:00Z"
          | if .fieldsV1["f:spec"]["f:versions"] then .fieldsV1["f:spec"]["f:versions"] = {} else . end)
      | if .status.conditions then .status.conditions |= map(.lastTransitionTime = "2026-01-01T00:00:00Z")
        else . end;
    .items |= map(select(.metadata.name as $name | $names | index($name)) | fix) | .metadata.resourceVersion = ""' \
    "$@" <"$WORK/out/$case.raw.json" >"$WORK/out/$case/$ANSWER"
  say "recorded $case ($(jq '.items | length' "$WORK/out/$case/$ANSWER") CRDs)"
}

started=$SECONDS
start_cluster a
another_team "$WORK/standard.yaml"
dotk8s install || die "dotk8s install over the standard bundle failed (see $WORK/dotk8s.log)"
record standard-another-team "${ENVOY_CRDS[@]}"
dotk8s upgrade --take-over-crds || die "dotk8s upgrade --take-over-crds failed (see $WORK/dotk8s.log)"
record taken-over "${ENVOY_CRDS[@]}"

start_cluster b
another_team "$WORK/standard-without-referencegrants.yaml"
record standard-without-referencegrants "${ENVOY_CRDS[@]}"
rc=0
dotk8s install || rc=$?
[ "$rc" = 2 ] || die "dotk8s install over the bundle without ReferenceGrant: exit $rc, expected 2 (refused)"

start_cluster c
dotk8s install || die "dotk8s install on an empty cluster failed (see $WORK/dotk8s.log)"
record ours "${ENVOY_CRDS[@]}"
HELM_CACHE_HOME=$WORK/helm-cache HELM_CONFIG_HOME=$WORK/helm-config HELM_DATA_HOME=$WORK/helm-data \
  "$HELM4" install keda "$CHART"/charts/keda-[0-9]*.tgz -n keda --create-namespace >>"$WORK/helm.log" 2>&1 ||
  die "helm install of the KEDA stand-in failed: $(tail -n 3 "$WORK/helm.log")"
record keda-release clustertriggerauthentications.keda.sh scaledjobs.keda.sh scaledobjects.keda.sh \
  triggerauthentications.keda.sh
stop_cluster

for case in standard-another-team taken-over standard-without-referencegrants ours keda-release; do
  mkdir -p "$TESTDATA/$case"
  cp "$WORK/out/$case/$ANSWER" "$TESTDATA/$case/$ANSWER"
done
say "wrote $TESTDATA/*/$ANSWER in $((SECONDS - started)) s"
