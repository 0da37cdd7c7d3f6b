#!/usr/bin/env bash
# CTest ClusterSuite.Plan: the cluster suite cannot run here (no cluster), its
# plan can. Checks that the scripts parse (bash -n; shellcheck when installed),
# that `run.sh --print` runs without a cluster or any helm and names every route
# and every step with the commands that route runs, and that the ROUTES/STEPS
# knobs select and refuse as documented.
#   plan_test.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${1:?usage: plan_test.sh BUILD_DIR}" && pwd)
failures=0
problem() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# What the suite must cover (issue 11); written here again on purpose, so that a
# route or step dropped from the suite fails this test.
routes=(helm4 helmfile driver-helm4 driver-helm3 helm3 gitops)
steps=(install tenants upgrade-unchanged keda-off keda-on envoyGateway-off envoyGateway-on
  prometheus-off prometheus-on traefik-on traefik-off profile-gateway profile-autoscaling
  profile-migration uninstall reinstall)
# Day two (issue 19): the migration routes and the rollback steps of the Helm routes.
declare -A day_two=(
  [helm4]="rollback-install upgrade-after-rollback failed-upgrade rollback-each"
  [helm3]="rollback-install upgrade-after-rollback failed-upgrade rollback-each"
  [driver-helm4]="rollback-install upgrade-after-rollback rollback-each"
  [driver-helm3]="rollback-install upgrade-after-rollback"
  [helmfile]="rollback-install upgrade-after-rollback"
  [migrate-helm3]="install tenants helm4-upgrade upgrade-unchanged rollback-install upgrade-after-rollback uninstall"
  [migrate-driver]="install tenants helm4-upgrade upgrade-unchanged uninstall"
  [migrate-csa]="install tenants helm4-upgrade upgrade-unchanged uninstall"
  [foreign-crds]="foreign-crds uninstall"
  [foreign-keda]="foreign-keda forgotten-profile uninstall"
  [interrupt]="install-killed-crds tenants upgrade-killed-crds upgrade-killed-hooks upgrade-killed-objects upgrade-apiserver-restart install-killed-hooks install-killed-objects install-apiserver-restart"
)

scripts=("$here/run.sh" "$here/plan_test.sh" "$here/with-local-cluster.sh" "$here/record-verify.sh" "$here/record-crd-ownership.sh" "$here"/lib/*.sh
  "$here"/controlplane/*.sh)
for script in "${scripts[@]}"; do
  bash -n "$script" || problem "bash -n $script"
done
if command -v shellcheck >/dev/null 2>&1; then
  # One process for all (shellcheck is the slow part here); -x only reads the sourced
  # files for context, so lib/*.sh are named too.
  shellcheck -x "${scripts[@]}" || problem "shellcheck tests/cluster"
else
  echo "note: shellcheck not installed; only bash -n ran"
fi

# No cluster, no helm, no kubectl: the plan must not need them.
plan() {
  env -u ROUTES -u STEPS KUBECONFIG=/nonexistent/kubeconfig BUILD="$build" \
    HELM4=/nonexistent/helm4 HELM3=/nonexistent/helm3 KUBECTL=/nonexistent/kubectl HELMFILE=/nonexistent/helmfile \
    "$@"
}
out=$(mktemp)
sections=$(mktemp -d)  # the plan's lines of each route, one file each (read many times below)
trap 'rm -rf "$out" "$sections"' EXIT
if ! plan "$here/run.sh" --print >"$out" 2>&1; then
  problem "run.sh --print failed:"
  tail -n 20 "$out"
fi

split_sections() {
  rm -f "$sections"/*
  awk -v dir="$sections" 'index($0, "== route ") == 1 {name = $3; sub(/:$/, "", name); file = dir "/" name}
    file != "" {print > file}' "$out"
}
section() { cat "$sections/$1" 2>/dev/null || true; }
expect_in() {  # ROUTE TEXT...: each TEXT is a substring of some line of the route's section
  local route=$1 text
  shift
  for text in "$@"; do
    grep -q -F -e "$text" "$sections/$route" 2>/dev/null || problem "route $route: the plan has no line with '$text'"
  done
}
split_sections

for route in "${routes[@]}"; do
  grep -q "^== route $route: " "$out" || problem "the plan names no route $route"
  for step in "${steps[@]}" cleanup; do
    grep -q "^-- $route $step: " "$out" || problem "route $route: the plan has no step $step"
  done
  # Every step has its checks, and the switches and profiles reach the route's command.
  expect_in "$route" "check: no CRD and no Namespace" "check: tenant objects survive" \
    "check: no Secret data" "check: ScaledObject keda/keda-add-ons-http-interceptor" \
    "check: Gateway envoy-gateway-system/eg" "check: PodMonitor envoy-gateway-system/envoy-gateway-proxy" \
    "check: ReferenceGrant keda/keda-interceptor" "check: keda is off" \
    "apply --server-side --field-manager=dotk8s-cluster-test -f tests/cluster/lib/tenants.yaml" \
    "delete namespace dot-system envoy-gateway-system keda prometheus-system traefik team-a"
  # The contracts: by `dotk8s verify` when the build has it, else by kubectl, component by component.
  if grep -q -F "dotk8s verify --help" "$out" || grep -q -F " verify --profile " "$out"; then
    expect_in "$route" " verify --profile "
  else
    expect_in "$route" "check: traefik is on"
  fi
  case $route in
    gitops) ;;  # switches and profiles reach dotk8s template; no Helm release to read
    *) expect_in "$route" apps.keda.enabled=false apps.envoyGateway.enabled=false apps.prometheus.enabled=false \
      apps.traefik.enabled=true "check: every object of the release's manifest" ;;
  esac
done
for route in "${!day_two[@]}"; do
  grep -q "^== route $route: " "$out" || problem "the plan names no route $route"
  for step in ${day_two[$route]}; do
    grep -q "^-- $route $step: " "$out" || problem "route $route: the plan has no step $step"
  done
done
# The migrations: Helm 3 (or client-side) first, Helm 4 after, on the same release.
expect_in migrate-helm3 "/nonexistent/helm3 install dot-apps charts/dot-apps -n envoy-gateway-system" \
  "/nonexistent/helm4 upgrade dot-apps charts/dot-apps -n envoy-gateway-system -f charts/dot-apps/values/autoscaling.yaml -f charts/dot-apps/values/helm3.yaml" \
  "/nonexistent/helm4 rollback dot-apps 1 -n envoy-gateway-system" "none of them deleted and created again (UIDs)"
expect_in migrate-driver "dotk8s install --helm /nonexistent/helm3" "dotk8s upgrade --helm /nonexistent/helm4" "-n envoy-gateway-system"
expect_in migrate-csa "install dot-apps charts/dot-apps -n dot-system --create-namespace -f charts/dot-apps/values/autoscaling.yaml --server-side=false"
expect_in helm4 "--set gateway-helm.deployment.replicas=-1 --rollback-on-failure" "rollback dot-apps 1 -n dot-system"
expect_in helm3 "--set gateway-helm.deployment.replicas=-1 --atomic"
# Steps a route does not take are not in its plan.
grep -q "^-- gitops rollback" "$out" && problem "route gitops: the plan has a rollback step (no Helm release there)"
grep -q "^-- migrate-csa rollback" "$out" && problem "route migrate-csa: the plan has a rollback step"

expect_in helm4 "install dot-apps charts/dot-apps -n dot-system --create-namespace -f charts/dot-apps/values/autoscaling.yaml --post-renderer dotk8s-post --post-renderer-args --crds=charts/dot-apps/charts" \
  "upgrade dot-apps charts/dot-apps -n dot-system -f charts/dot-apps/values/gateway.yaml --post-renderer dotk8s-post --post-renderer-args --crds=charts/dot-apps/charts" \
  "upgrade dot-apps charts/dot-apps -n dot-system -f charts/dot-apps/values/migration.yaml --post-renderer dotk8s-post --post-renderer-args --crds=charts/dot-apps/charts" \
  "uninstall dot-apps -n dot-system"
grep -q -F "scripts/install-plugin.sh $build/dotk8s-post /nonexistent/helm4" "$out" ||
  problem "the setup does not install the Helm 4 plugin into the suite's own HELM_PLUGINS"
expect_in helmfile "(cd examples/helmfile && env HELM_PLUGINS=" "helmfile --file helmfile.yaml --helm-binary /nonexistent/helm4 --skip-deps sync" \
  "sync --values $(cd "$here/../.." && pwd)/charts/dot-apps/values/gateway.yaml" "--skip-deps destroy" "crds apply"
for helm in 4 3; do
  expect_in "driver-helm$helm" "dotk8s install --helm /nonexistent/helm$helm --kubectl /nonexistent/kubectl --profile autoscaling" \
    "dotk8s upgrade --helm /nonexistent/helm$helm --kubectl /nonexistent/kubectl --profile gateway" \
    "dotk8s upgrade --helm /nonexistent/helm$helm --kubectl /nonexistent/kubectl --profile migration" \
    "dotk8s uninstall --helm /nonexistent/helm$helm"
done
expect_in helm3 "crds apply --kubectl /nonexistent/kubectl" \
  "/nonexistent/helm3 install dot-apps charts/dot-apps -n envoy-gateway-system --create-namespace -f charts/dot-apps/values/autoscaling.yaml -f charts/dot-apps/values/helm3.yaml" \
  "--post-renderer dotk8s-post" "/nonexistent/helm3 uninstall dot-apps -n envoy-gateway-system"
expect_in gitops "dotk8s template --helm /nonexistent/helm4 --profile autoscaling >" \
  "dotk8s template --helm /nonexistent/helm4 --profile autoscaling --set apps.keda.enabled=false >" \
  "dotk8s template --helm /nonexistent/helm4 --profile migration >" \
  "/nonexistent/kubectl apply --server-side -f" "/nonexistent/kubectl wait --for=condition=Established crd --all" \
  "except hooks and those annotated Prune=false" "except hooks and those annotated Delete=false or helm.sh/resource-policy: keep"
# The gitops steps apply, wait, apply again: two applies per render.
renders=$(section gitops | grep -c '^   \$ .*dotk8s template ' || true)
applies=$(section gitops | grep -c '^   \$ /nonexistent/kubectl apply --server-side -f ' || true)
[ "$applies" = $((2 * renders)) ] || problem "gitops: $renders renders but $applies applies (expected two each)"

# The knobs: a subset, in the suite's order, install and tenants implied.
if plan env ROUTES="gitops,helm4" STEPS="keda-off" "$here/run.sh" --print >"$out" 2>&1; then
  got=$(grep -E '^(== route|-- )' "$out" | awk '{print $2, $3}' | tr '\n' ';')
  want="route helm4:;helm4 install:;helm4 tenants:;helm4 keda-off:;helm4 cleanup:;route gitops:;gitops install:;gitops tenants:;gitops keda-off:;gitops cleanup:;"
  [ "$got" = "$want" ] || problem "ROUTES=gitops,helm4 STEPS=keda-off: got $got"
else
  problem "ROUTES=gitops,helm4 STEPS=keda-off run.sh --print failed"
fi
refused() {  # ASSIGNMENT TEXT: the knob is refused with exit 2 and a message naming it
  local rc=0
  plan env "$1" "$here/run.sh" --print >"$out" 2>&1 || rc=$?
  if [ "$rc" != 2 ] || ! grep -q -F -e "$2" "$out"; then
    problem "$1: expected exit 2 and '$2', got exit $rc: $(head -c 300 "$out")"
  fi
}
refused ROUTES=helm5 "unknown route helm5 in ROUTES"
refused STEPS=keda-sideways "unknown step keda-sideways in STEPS"

if [ "$failures" = 0 ]; then
  echo "ClusterSuite.Plan: ok (${#routes[@]} routes x ${#steps[@]} steps and ${#day_two[@]} routes' day-two steps named, with their commands and checks)"
else
  echo "ClusterSuite.Plan: $failures failures"
  exit 1
fi
