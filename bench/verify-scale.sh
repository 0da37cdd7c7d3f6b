#!/usr/bin/env bash
# How `dotk8s verify` grows with what other teams put on the cluster (issue 20):
# on a local control plane of its own (tests/cluster/controlplane, in a temporary
# directory, ports from $DOTK8S_CLUSTER_PORT_BASE, default 27443; stopped on exit),
# after `dotk8s install --profile default` (Helm 4, the stand-in charts, as the
# cluster suite deploys them), it makes 100 namespaces and then, in steps, up to
# 1,000 HTTPRoutes and 1,000 ScaledObjects spread over them (kubectl apply
# --server-side of generated YAML), and at each step times `dotk8s verify`
# (wall seconds and peak RSS, the median of BENCH_RUNS runs) and, on its own,
# the `helm get values -a` verify makes to learn what is on.
#
#   bench/verify-scale.sh [BUILD]              (default build/; 3 runs a step)
#   BENCH_RUNS=5 BENCH_STEPS="0 500 1000" bench/verify-scale.sh
#
# Each HTTPRoute attaches to Gateway eg and sends its traffic to the KEDA
# interceptor (keda/keda-add-ons-http-interceptor-proxy:8080), the case verify
# checks route by route (no ReferenceGrant covers the teams' namespaces, so each
# is a warning line). Each ScaledObject targets a Deployment that does not exist:
# KEDA's operator is a stand-in here, so they just sit there; verify reads no
# ScaledObject (no check needs them), so they show what other objects cost it:
# nothing. Peak RSS is /usr/bin/time's (the largest of dotk8s and the helm and
# kubectl it waits for) and dotk8s's own (VmHWM, from one more run). Prints a Markdown table and
# writes it to bench/results/verify-scale.md (not committed).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
cd "$ROOT"

BUILD=$(cd "${1:-build}" 2>/dev/null && pwd || echo "${1:-build}")
DOTK8S=$BUILD/dotk8s
HELM4=$ROOT/.tools/helm4/helm
KUBECTL=$ROOT/.tools/kubectl/kubectl
SHARED=${DOTK8S_SHARED:-$ROOT/../shared}
RUNS=${BENCH_RUNS:-3}
STEPS=${BENCH_STEPS:-0 250 500 1000}
NAMESPACES=100
PORT_BASE=${DOTK8S_CLUSTER_PORT_BASE:-27443}

say() { printf 'verify-scale: %s\n' "$*" >&2; }
die() {
  say "error: $1"
  [ -z "${2:-}" ] || printf '  hint: %s\n' "$2" >&2
  exit "${3:-1}"
}

{ [ -x "$DOTK8S" ] && [ -x "$BUILD/dotk8s-post" ]; } ||
  die "$DOTK8S or $BUILD/dotk8s-post is not built" "cmake --build build --target dotk8s dotk8s-post (or pass BUILD)" 2
[ -x "$HELM4" ] || die "$HELM4 is missing" "scripts/install-tools.sh (make tools) puts Helm 4.1.4 there" 2
[ -x "$KUBECTL" ] || die "$KUBECTL is missing" "scripts/install-tools.sh (make tools) puts kubectl 1.35 there" 2
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (it measures peak RSS)" "apt-get install time" 2
[ -d "$SHARED/fixtures/upstream/crds" ] ||
  die "the shared fixtures are missing ($SHARED/fixtures/upstream/crds): the stand-in charts need their CRDs" \
    "set DOTK8S_SHARED to the directory that holds fixtures/upstream" 2
for step in $STEPS; do
  if ! [[ $step =~ ^[0-9]+$ ]] || [ "$step" -gt 100000 ]; then
    die "BENCH_STEPS: $step is not a count" "ascending counts, e.g. BENCH_STEPS=\"0 500 1000\"" 2
  fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dotk8s-verify-scale.XXXXXX")
CLUSTER_DIR=$WORK/cluster
CLUSTER_STARTED=0
finish() {
  local rc=$?
  if [ "$CLUSTER_STARTED" = 1 ]; then
    DOTK8S_CLUSTER_DIR=$CLUSTER_DIR "$ROOT/tests/cluster/controlplane/stop.sh" >/dev/null 2>&1 || true
  fi
  if [ "$rc" = 0 ]; then
    rm -rf "$WORK"
  else
    say "failed (exit $rc); kept: $WORK"
  fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The chart: a copy with the stand-ins packaged in (run.sh's choose_chart, CHARTS=standin).
CHART=$WORK/chart/dot-apps
mkdir -p "$WORK/chart" "$WORK/bin"
cp -R charts/dot-apps "$CHART"
rm -f "$CHART"/charts/*.tgz
HELM=$HELM4 DOTK8S_SHARED=$SHARED tests/standin-charts/package.sh "$CHART/charts" >"$WORK/package.log" 2>&1 ||
  die "could not package the stand-in charts: $(tail -n 3 "$WORK/package.log")"

say "starting a local control plane in $CLUSTER_DIR (ports from $PORT_BASE)"
CLUSTER_STARTED=1
KUBECONFIG=$(DOTK8S_CLUSTER_DIR=$CLUSTER_DIR DOTK8S_CLUSTER_PORT_BASE=$PORT_BASE KUBECTL=$KUBECTL \
  "$ROOT/tests/cluster/controlplane/start.sh" 2>"$WORK/start.log") ||
  die "the control plane did not start: $(tail -n 20 "$WORK/start.log")"
export KUBECONFIG
# The driver's plugin directories, dotk8s-post's log and helm's homes stay in WORK.
export XDG_STATE_HOME=$WORK/state XDG_DATA_HOME=$WORK/data XDG_CACHE_HOME=$WORK/cache \
  HELM_CACHE_HOME=$WORK/helm-cache HELM_CONFIG_HOME=$WORK/helm-config HELM_DATA_HOME=$WORK/helm-data

k() { "$KUBECTL" --request-timeout=120s "$@"; }

say "installing dot-apps (dotk8s install --profile default, Helm 4, stand-in charts)"
"$DOTK8S" install --chart "$CHART" --helm "$HELM4" --kubectl "$KUBECTL" --profile default >"$WORK/install.log" 2>&1 ||
  die "dotk8s install failed: $(tail -n 5 "$WORK/install.log")"

namespace_of() { printf 'team-%03d' $(($1 % NAMESPACES)); }

# objects FROM TO: HTTPRoute and ScaledObject number FROM..TO-1, object i in namespace i % 100.
objects() {
  local i ns
  for ((i = $1; i < $2; i++)); do
    ns=$(namespace_of "$i")
    cat <<EOF
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: route-$i
  namespace: $ns
spec:
  parentRefs:
    - {name: eg, namespace: envoy-gateway-system}
  hostnames: [route-$i.$ns.example.com]
  rules:
    - backendRefs:
        - {name: keda-add-ons-http-interceptor-proxy, namespace: keda, port: 8080}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: app-$i
  namespace: $ns
spec:
  scaleTargetRef: {name: app-$i}
  minReplicaCount: 0
  maxReplicaCount: 5
  triggers:
    - type: cpu
      metricType: Utilization
      metadata: {value: "60"}
EOF
  done
}

say "making $NAMESPACES namespaces"
for ((n = 0; n < NAMESPACES; n++)); do
  printf -- '---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n' "$(namespace_of "$n")"
done | k apply --server-side --field-manager=verify-scale -f - >/dev/null

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

verify() {  # OUT: one dotk8s verify, its report in OUT.txt; exits on a failed check
  local out=$1 code=0
  shift
  "$@" "$DOTK8S" verify --chart "$CHART" --helm "$HELM4" --kubectl "$KUBECTL" >"$out.txt" 2>"$out.err" || code=$?
  # verify exits 1 when a check fails; the teams' routes are warnings, so it must not.
  [ "$code" = 0 ] || die "dotk8s verify exited $code: $(grep -v '^ok' "$out.txt" | tail -n 5; cat "$out.err")"
}

# own_peak OUT: one more verify, run alone, for dotk8s's own peak RSS (VmHWM, in kB),
# read from /proc with shell builtins only (a poller that forks would slow it).
own_peak() {
  local out=$1 pid peak=0 key value wait_fd
  exec {wait_fd}<> <(:)  # an empty pipe to wait on: read -t sleeps without a fork
  "$DOTK8S" verify --chart "$CHART" --helm "$HELM4" --kubectl "$KUBECTL" >"$out.txt" 2>"$out.err" &
  pid=$!
  local state=R
  while [ "$state" != Z ] && [ -r "/proc/$pid/status" ]; do
    while read -r key value _; do
      if [ "$key" = State: ]; then state=$value; fi  # Z: exited, not yet waited for
      if [ "$key" = VmHWM: ] && [ "$value" -gt "$peak" ]; then peak=$value; fi
    done <"/proc/$pid/status" 2>/dev/null || state=Z
    read -r -t 0.02 -u "$wait_fd" || true
  done
  local code=0
  wait "$pid" || code=$?
  exec {wait_fd}<&-
  [ "$code" = 0 ] || die "dotk8s verify (run for its peak RSS) exited $code: $(grep -v '^ok' "$out.txt" | tail -n 5; cat "$out.err")"
  echo "$peak"
}

# measure STEP: BENCH_RUNS timed runs of verify, then as many of helm get values; one line of the table.
measure() {
  local step=$1 run walls="" trees="" helms="" wall tree start end own lines routes_checked
  for ((run = 1; run <= RUNS; run++)); do
    verify "$WORK/verify-$step-$run" /usr/bin/time -f '%e %M' -o "$WORK/verify-$step-$run.time"
    read -r wall tree <"$WORK/verify-$step-$run.time"
    walls+="$wall"$'\n'
    trees+="$tree"$'\n'
  done
  for ((run = 1; run <= RUNS; run++)); do
    start=$(date +%s.%N)
    "$HELM4" get values dot-apps -n dot-system -a -o json >/dev/null
    end=$(date +%s.%N)
    helms+="$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')"$'\n'
  done
  own=$(own_peak "$WORK/verify-$step-own")
  lines=$(wc -l <"$WORK/verify-$step-1.txt")
  routes_checked=$(grep -c '^warn  HTTPRoute \|^ok    HTTPRoute ' "$WORK/verify-$step-1.txt" || true)
  printf '| %5d | %5d | %6.2f | %6.1f | %6.1f | %5.2f | %5d | %5d |\n' "$step" "$step" \
    "$(printf '%s' "$walls" | median)" "$(printf '%s' "$trees" | median | awk '{print $1 / 1024}')" \
    "$(awk -v k="$own" 'BEGIN {print k / 1024}')" "$(printf '%s' "$helms" | median)" "$routes_checked" "$lines"
}

mkdir -p "$ROOT/bench/results"
TABLE=$ROOT/bench/results/verify-scale.md
{
  echo "dotk8s verify on the local control plane after \`dotk8s install --profile default\` (Helm 4, stand-in charts),"
  echo "$NAMESPACES team namespaces; median of $RUNS runs; $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%MZ)."
  echo
  echo "| HTTPRoutes | ScaledObjects | verify (s) | peak RSS, tree (MB) | peak RSS, dotk8s (MB) | helm get values -a (s) | routes checked | report lines |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$TABLE"
made=0
for step in $STEPS; do
  if [ "$step" -gt "$made" ]; then
    say "making HTTPRoutes and ScaledObjects $made..$((step - 1))"
    objects "$made" "$step" >"$WORK/objects.yaml"
    k apply --server-side --field-manager=verify-scale -f "$WORK/objects.yaml" >/dev/null
    made=$step
  fi
  say "measuring at $step of each ($RUNS runs)"
  measure "$step" >>"$TABLE"
done
cat "$TABLE"
say "written to $TABLE"
