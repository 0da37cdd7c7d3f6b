#!/usr/bin/env bash
# make bench-cluster: the driver against plain Helm on a real API server (the
# local control plane of tests/cluster/controlplane), with the same values:
#
#   driver-helm4  dotk8s install|upgrade|uninstall --helm HELM4 --profile P
#   helm4         helm install|upgrade P -f values/P.yaml --post-renderer dotk8s-post
#                 --post-renderer-args --crds=CHART/charts (README "With Helm 4")
#   driver-helm3  dotk8s ... --helm HELM3
#   helm3         dotk8s crds apply, then helm install|upgrade ... -f values/helm3.yaml
#                 --post-renderer dotk8s-post (README "With Helm 3": its CRD step included)
#
# For each, four operations: install on an empty cluster (profile default), a no-op
# upgrade (same values), a profile change (upgrade to profile gateway: KEDA and
# kube-prometheus-stack off) and uninstall. Between two tools the cluster is
# emptied (tests/cluster/run.sh --cleanup, not timed), so each install starts
# where a new user starts, CRDs included. Rounds alternate the tools' order
# (round 2 starts with the second tool, ...), so a drift of the machine's speed
# falls on all of them; each cell is the median of its rounds, each ratio the
# median of the rounds' ratios (driver / plain Helm, same round).
#
#   bench/cluster.sh [BUILD]                  (make bench-cluster; default 3 rounds)
#   BENCH_ROUNDS=5 bench/cluster.sh build
#   BENCH_TOOLS="driver-helm4 helm4" bench/cluster.sh build
#   BENCH_BASELINE=/tmp/old/build bench/cluster.sh build
#                 also that build's dotk8s (another commit's, built in its own
#                 worktree) as before-helm4 and before-helm3, in the same rounds
#
# Charts: the five pinned archives when `dotk8s deps --check` finds them, else the
# stand-in charts of tests/standin-charts (their names, hooks and the upstream
# CRDs, far fewer objects), as the cluster suite does; the table says which.
# Writes bench/results/cluster.md (not committed) and prints it. The driver's
# runs are made with --timings; their reports are kept beside it
# (bench/results/cluster-timings/), the last round's are shown.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
build=$(cd "${1:-build}" && pwd)
rounds=${BENCH_ROUNDS:-3}
read -ra tools <<<"${BENCH_TOOLS:-driver-helm4 helm4 driver-helm3 helm3}"
baseline=${BENCH_BASELINE:-}
if [ -n "$baseline" ]; then
  baseline=$(cd "$baseline" && pwd)
  [ -x "$baseline/dotk8s" ] || { echo "bench-cluster: $baseline/dotk8s is missing" >&2; exit 1; }
  tools+=(before-helm4 before-helm3)
fi
helm4=$ROOT/.tools/helm4/helm
helm3=$ROOT/.tools/helm3/helm
kubectl=$ROOT/.tools/kubectl/kubectl
dotk8s=$build/dotk8s
post=$build/dotk8s-post
results=$ROOT/bench/results
for need in "$helm4" "$helm3" "$kubectl" "$dotk8s" "$post"; do
  [ -x "$need" ] || { echo "bench-cluster: $need is missing (make build; scripts/install-tools.sh)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/dotk8s-bench-cluster.XXXXXX)
export DOTK8S_CLUSTER_DIR=${DOTK8S_CLUSTER_DIR:-$work/cluster}
export DOTK8S_CLUSTER_PORT_BASE=${DOTK8S_CLUSTER_PORT_BASE:-29443}
started=0
cleanup_exit() {
  local rc=$?
  if [ "$started" = 1 ]; then tests/cluster/controlplane/stop.sh >/dev/null 2>&1 || true; fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the chart: the pinned archives, else the stand-ins (as tests/cluster/run.sh) ---
chart_kind=upstream
chart=$ROOT/charts/dot-apps
if ! "$dotk8s" deps --check --chart "$chart" >/dev/null 2>&1; then
  chart_kind=standin
  chart=$work/charts/dot-apps
  mkdir -p "$work/charts"
  cp -R "$ROOT/charts/dot-apps" "$chart"
  rm -f "$chart"/charts/*.tgz
  HELM=$helm4 tests/standin-charts/package.sh "$chart/charts" >/dev/null
fi
export DOTK8S_CHART=$chart

# --- the environment the suite gives each route --------------------------------------
mkdir -p "$work/bin" "$work/helm4-plugins" "$work/helm3-plugins" "$work/state" "$work/data" "$work/data-before"
ln -sf "$post" "$work/bin/dotk8s-post"
export PATH="$work/bin:$PATH" XDG_STATE_HOME="$work/state" XDG_DATA_HOME="$work/data"
HELM_PLUGINS="$work/helm4-plugins" DOTK8S_HELM4_PLUGINS="$work/helm4-plugins" \
  scripts/install-plugin.sh "$post" "$helm4" >/dev/null

echo "bench-cluster: starting a local control plane in $DOTK8S_CLUSTER_DIR (port $DOTK8S_CLUSTER_PORT_BASE)" >&2
started=1
KUBECONFIG=$(tests/cluster/controlplane/start.sh)
export KUBECONFIG
cluster_version=$("$kubectl" version -o json 2>/dev/null | jq -r '.serverVersion.gitVersion')

# --- the operations --------------------------------------------------------------------
# op TOOL VERB PROFILE: runs one operation of TOOL; the driver's --timings go to $timings_out.
timings_out=/dev/null
op() {
  local tool=$1 verb=$2 profile=$3
  case $tool in
    driver-helm4 | driver-helm3 | before-helm4 | before-helm3)
      local helm=$helm4 driver=$dotk8s timings=(--timings) data=$work/data
      case $tool in *-helm3) helm=$helm3 ;; esac
      # The baseline's dotk8s, with the dotk8s-post of its own build beside it
      # and plugin directories of its own (each driver keeps its copy there).
      case $tool in before-*) driver=$baseline/dotk8s timings=() data=$work/data-before ;; esac
      if [ "$verb" = uninstall ]; then
        XDG_DATA_HOME=$data "$driver" uninstall --helm "$helm" --kubectl "$kubectl" "${timings[@]}" 2>"$timings_out" >/dev/null
      else
        XDG_DATA_HOME=$data "$driver" "$verb" --helm "$helm" --kubectl "$kubectl" --profile "$profile" "${timings[@]}" \
          2>"$timings_out" >/dev/null
      fi
      ;;
    helm4)
      if [ "$verb" = uninstall ]; then
        HELM_PLUGINS=$work/helm4-plugins "$helm4" uninstall dot-apps -n dot-system >/dev/null
        return
      fi
      local create=()
      [ "$verb" = install ] && create=(--create-namespace)
      HELM_PLUGINS=$work/helm4-plugins "$helm4" "$verb" dot-apps "$chart" -n dot-system "${create[@]}" \
        -f "$chart/values/$profile.yaml" --post-renderer dotk8s-post --post-renderer-args "--crds=$chart/charts" >/dev/null
      ;;
    helm3)
      if [ "$verb" = uninstall ]; then
        HELM_PLUGINS=$work/helm3-plugins "$helm3" uninstall dot-apps -n envoy-gateway-system >/dev/null
        return
      fi
      "$dotk8s" crds apply --helm "$helm3" --kubectl "$kubectl" --profile "$profile" >/dev/null 2>&1
      local create=()
      [ "$verb" = install ] && create=(--create-namespace)
      HELM_PLUGINS=$work/helm3-plugins "$helm3" "$verb" dot-apps "$chart" -n envoy-gateway-system "${create[@]}" \
        -f "$chart/values/$profile.yaml" -f "$chart/values/helm3.yaml" --post-renderer dotk8s-post >/dev/null
      ;;
  esac
}

# timed LABEL CMD...: runs CMD, appends "LABEL SECONDS" to $work/times; a failure stops the bench.
timed() {
  local label=$1
  shift
  local start end
  start=$(date +%s.%N)
  if ! "$@" 2>"$work/last.err"; then
    echo "bench-cluster: $label failed:" >&2
    tail -n 20 "$work/last.err" >&2
    [ "$timings_out" = /dev/null ] || tail -n 30 "$timings_out" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  echo "$label $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')" >>"$work/times"
}

empty_cluster() {
  KUBECONFIG=$KUBECONFIG tests/cluster/run.sh --cleanup >"$work/cleanup.log" 2>&1 || {
    echo "bench-cluster: could not empty the cluster:" >&2
    tail -n 20 "$work/cleanup.log" >&2
    exit 1
  }
}

mkdir -p "$results/cluster-timings"
: >"$work/times"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
ops=(install upgrade profile uninstall)
for ((round = 1; round <= rounds; round++)); do
  order=()
  for ((i = 0; i < ${#tools[@]}; i++)); do order+=("${tools[$(((i + round - 1) % ${#tools[@]}))]}"); done
  echo "bench-cluster: round $round of $rounds: ${order[*]} ($(cut -d' ' -f1-3 /proc/loadavg) load)" >&2
  for tool in "${order[@]}"; do
    empty_cluster
    for opname in "${ops[@]}"; do
      timings_out=/dev/null
      case $tool in driver-* | before-*) timings_out=$results/cluster-timings/$tool-$opname-round$round.txt ;; esac
      case $opname in
        install) timed "$round $tool $opname" op "$tool" install default ;;
        upgrade) timed "$round $tool $opname" op "$tool" upgrade default ;;
        profile) timed "$round $tool $opname" op "$tool" upgrade gateway ;;
        uninstall) timed "$round $tool $opname" op "$tool" uninstall - ;;
      esac
    done
  done
done
empty_cluster

# --- the table -----------------------------------------------------------------------------
cp "$work/times" "$results/cluster-times.txt"
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cell() { awk -v t="$1" -v o="$2" '$2 == t && $3 == o { print $4 }' "$work/times" | median; }
all_runs() { awk -v t="$1" -v o="$2" '$2 == t && $3 == o { printf "%s%s", sep, $4; sep = ", " }' "$work/times"; }
ratio() {  # DRIVER PLAIN OP: median over rounds of driver/plain
  awk -v d="$1" -v p="$2" -v o="$3" '$3 == o && $2 == d { a[$1] = $4 } $3 == o && $2 == p { b[$1] = $4 }
    END { for (r in a) if (r in b && b[r] > 0) printf "%.2f\n", a[r] / b[r] }' "$work/times" | median
}
{
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, local control plane $cluster_version (tests/cluster/controlplane), charts: $chart_kind, $rounds rounds, alternating; wall seconds, median (each round's value); ratio: the median of the rounds' driver / plain Helm; load average at the start $load_start, at the end $(cut -d' ' -f1-3 /proc/loadavg)${baseline:+; before: $baseline/dotk8s ($(git -C "$baseline" log -1 --format=%h 2>/dev/null || echo another build))}"
  echo
  header="| operation | dotk8s --helm helm4 | plain Helm 4 | ratio | dotk8s --helm helm3 | plain Helm 3 (README: crds apply + helm) | ratio |"
  rule="|---|---|---|---|---|---|---|"
  if [ -n "$baseline" ]; then
    header+=" before: dotk8s --helm helm4 | ratio | before: dotk8s --helm helm3 | ratio |"
    rule+="---|---|---|---|"
  fi
  echo "$header"
  echo "$rule"
  for opname in "${ops[@]}"; do
    label=$opname
    case $opname in
      install) label="install on an empty cluster (default)" ;;
      upgrade) label="no-op upgrade (default)" ;;
      profile) label="profile change (default to gateway)" ;;
    esac
    row="| $label"
    for pair in "driver-helm4 helm4" "driver-helm3 helm3"; do
      read -r d p <<<"$pair"
      row+=" | $(cell "$d" "$opname") ($(all_runs "$d" "$opname")) | $(cell "$p" "$opname") ($(all_runs "$p" "$opname")) | $(ratio "$d" "$p" "$opname")x"
    done
    if [ -n "$baseline" ]; then
      for pair in "before-helm4 helm4" "before-helm3 helm3"; do
        read -r d p <<<"$pair"
        row+=" | $(cell "$d" "$opname") ($(all_runs "$d" "$opname")) | $(ratio "$d" "$p" "$opname")x"
      done
    fi
    echo "$row |"
  done
} >"$results/cluster.md"
cat "$results/cluster.md"
for tool in "${tools[@]}"; do
  case $tool in driver-*) ;; *) continue ;; esac
  for opname in install upgrade; do
    echo
    echo "$tool $opname, round $rounds (--timings):"
    sed -n '/timings/,$p' "$results/cluster-timings/$tool-$opname-round$rounds.txt" 2>/dev/null || true
  done
done
