# shellcheck shell=bash disable=SC2034  # variables shared with the other files run.sh sources
# Another team's KEDA where the release would put its own (issue: `dotk8s
# verify` takes what is on from the release, another team's KEDA). The README
# supports an existing namespace keda; another team may run its KEDA there.
#
#   scenario_foreign_keda      (a) on an empty cluster: their namespace keda,
#                              Deployment keda-operator and APIService
#                              v1beta1.external.metrics.k8s.io, applied by field
#                              manager team-keda without Helm's marks. `dotk8s install
#                              --profile autoscaling` must refuse (exit 2) naming them
#                              and their owner and change nothing (no new namespace,
#                              CRD or release); with --set apps.keda.enabled=false it
#                              installs, `dotk8s verify` is green and never names their
#                              Deployment in a delete fix, and theirs are untouched.
#   scenario_forgotten_profile (b) on that release (KEDA off): `dotk8s verify` without
#                              flags, and with --profile autoscaling alone (the --set
#                              forgotten), reports from the release: KEDA off, nothing
#                              failed, the disagreement a warning, nothing to delete.
#   foreign_cleanup            their APIService and Deployment (what (a) made as the
#                              other team); the release and the namespaces are the
#                              suite's cleanup's (cleanup_route).
#
# Needs what run.sh sets: DOTK8S, KUBECTL, HELM4, WORK, STEP_LOG_DIR, the chart in
# DOTK8S_CHART, and lib/common.sh (run_cmd, check, fail, kget, kfield). Route: the
# driver with Helm 4 (the release dot-apps in dot-system).

FOREIGN_MANAGER=team-keda
FOREIGN_API_SERVICE=v1beta1.external.metrics.k8s.io

# The other team's KEDA, as a kubectl user applies it: no Helm marks, its own field manager.
foreign_keda_manifest() {
  cat <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: keda
  labels: {team: keda-platform}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: keda-operator
  namespace: keda
  labels: {app: keda-operator, team: keda-platform}
spec:
  replicas: 1
  selector:
    matchLabels: {app: keda-operator}
  template:
    metadata:
      labels: {app: keda-operator}
    spec:
      containers:
        - name: keda-operator
          image: ghcr.io/kedacore/keda:2.17.0
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.external.metrics.k8s.io
  labels: {team: keda-platform}
spec:
  service: {name: keda-operator-metrics-apiserver, namespace: keda, port: 443}
  group: external.metrics.k8s.io
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  insecureSkipTLSVerify: true
EOF
}

# foreign_snapshot FILE: the namespaces, CRDs and Helm releases of the cluster, one a line.
foreign_snapshot() {
  {
    kget namespaces -o name
    kget customresourcedefinitions.apiextensions.k8s.io -o name
    HELM_PLUGINS="$WORK/no-plugins" "$HELM4" list -A -a -q 2>&1 | sed 's/^/release /'
  } | sort >"$1"
}

# foreign_owner KIND NAME [NS]: "managers|managed-by|release-name" of a live object.
foreign_owner() {
  kfield "$1" "$2" "${3:-}" \
    '{range .metadata.managedFields[*]}{.manager},{end}|{.metadata.labels.app\.kubernetes\.io/managed-by}|{.metadata.annotations.meta\.helm\.sh/release-name}'
}

# foreign_expect_theirs DESCRIPTION: their Deployment and APIService exist, unchanged
# (uid as made) and still without Helm's marks.
foreign_expect_theirs() {
  check "$1: their Deployment keda/keda-operator and APIService $FOREIGN_API_SERVICE untouched" || return 0
  local uid owner
  uid=$(kfield deployment.apps keda-operator keda '{.metadata.uid}')
  [ "$uid" = "$(cat "$WORK/foreign-operator-uid")" ] ||
    fail "$1: their Deployment keda/keda-operator was replaced or removed (uid '$uid')"
  owner=$(foreign_owner deployment.apps keda-operator keda)
  case $owner in
    "$FOREIGN_MANAGER,"*"||") ;;
    *) fail "$1: their Deployment keda/keda-operator changed owner: $owner (managers|managed-by|release-name)" ;;
  esac
  owner=$(foreign_owner apiservices.apiregistration.k8s.io "$FOREIGN_API_SERVICE")
  case $owner in
    "$FOREIGN_MANAGER,"*"||") ;;
    *) fail "$1: their APIService $FOREIGN_API_SERVICE changed owner: $owner (managers|managed-by|release-name)" ;;
  esac
}

# foreign_verify LABEL EXPECTED_EXIT [FLAGS...]: dotk8s verify; its report in
# WORK/foreign-LABEL.txt. Its exit is checked; what it says, by the caller.
foreign_verify() {
  local label=$1 expected=$2 rc=0
  shift 2
  run_cmd_to "$WORK/foreign-$label.txt" "verify-$label" "$DOTK8S" verify --helm "$HELM4" --kubectl "$KUBECTL" "$@" ||
    rc=$?
  [ "$PRINT_ONLY" = 1 ] && return 0
  [ "$rc" = "$expected" ] || fail "dotk8s verify $*: exit $rc, expected $expected (report: $WORK/foreign-$label.txt)"
  sed 's/^/     | /' "$WORK/foreign-$label.txt"
}

# foreign_expect_no_delete LABEL: no fix line of the report deletes their Deployment.
foreign_expect_no_delete() {
  check "verify ($1) never tells to delete their keda-operator" || return 0
  if grep -E 'fix: .*delete.*keda-operator' "$WORK/foreign-$1.txt" >/dev/null; then
    fail "verify ($1) tells to delete their Deployment: $(grep -E 'fix: .*delete' "$WORK/foreign-$1.txt" | head -n 1)"
  fi
}

scenario_foreign_keda() {  # ROUTE (driver-helm4)
  foreign_keda_manifest >"$WORK/foreign-keda.yaml"
  run_cmd foreign-keda-apply "$KUBECTL" apply --server-side --field-manager="$FOREIGN_MANAGER" \
    -f "$WORK/foreign-keda.yaml" || return 1
  run_cmd foreign-keda-rollout "$KUBECTL" rollout status deployment/keda-operator -n keda --timeout=120s ||
    note "their keda-operator is not Available yet; the install must refuse it all the same"
  if [ "$PRINT_ONLY" != 1 ]; then
    kfield deployment.apps keda-operator keda '{.metadata.uid}' >"$WORK/foreign-operator-uid"
    foreign_snapshot "$WORK/foreign-before"
  fi

  local rc=0
  run_cmd foreign-install-refused "$DOTK8S" install --helm "$HELM4" --kubectl "$KUBECTL" --profile autoscaling || rc=$?
  if check "dotk8s install --profile autoscaling refuses their KEDA (exit 2), naming it and its owner"; then
    local err
    err=$(cat "$STEP_LOG_DIR"/*-foreign-install-refused.err 2>/dev/null)
    [ "$rc" = 2 ] || fail "dotk8s install over their KEDA exited $rc, expected 2 (a refusal)"
    grep -q "Deployment keda/keda-operator (owner: field manager $FOREIGN_MANAGER)" <<<"$err" ||
      fail "the refusal does not name Deployment keda/keda-operator and its owner"
    grep -q "APIService $FOREIGN_API_SERVICE (owner: field manager $FOREIGN_MANAGER)" <<<"$err" ||
      fail "the refusal does not name APIService $FOREIGN_API_SERVICE and its owner"
    grep -q -- "--set apps.keda.enabled=false" <<<"$err" ||
      fail "the refusal does not say how to keep theirs (--set apps.keda.enabled=false)"
  fi
  if check "the refused install changed nothing: no new namespace, CRD or release"; then
    foreign_snapshot "$WORK/foreign-after"
    if ! diff -u "$WORK/foreign-before" "$WORK/foreign-after" >"$WORK/foreign-changed"; then
      fail "the refused install changed the cluster: $(grep '^[+-][^+-]' "$WORK/foreign-changed" | tr '\n' ' ')"
    fi
  fi
  foreign_expect_theirs "after the refused install"

  run_cmd foreign-install-keda-off "$DOTK8S" install --helm "$HELM4" --kubectl "$KUBECTL" --profile autoscaling \
    --set apps.keda.enabled=false || {
    fail "dotk8s install --set apps.keda.enabled=false did not install beside their KEDA"
    return 1
  }
  if check "the install with KEDA off says their APIService is left alone"; then
    grep -q "APIService $FOREIGN_API_SERVICE is another installation's (owner: field manager $FOREIGN_MANAGER)" \
      "$STEP_LOG_DIR"/*-foreign-install-keda-off.err ||
      fail "the install with KEDA off does not say it leaves their APIService alone"
  fi
  run_cmd foreign-rollouts "$KUBECTL" wait --for=condition=Available --timeout=180s -n envoy-gateway-system \
    deployment/envoy-gateway || note "Envoy Gateway is not Available yet; verify may warn"
  foreign_verify keda-off 0 --set apps.keda.enabled=false --profile autoscaling
  if check "verify (KEDA off) names their keda-operator as another installation's, left alone"; then
    grep -q "keda-operator: not this release's (owner: field manager $FOREIGN_MANAGER), left alone" \
      "$WORK/foreign-keda-off.txt" || fail "verify does not name their keda-operator as left alone"
    grep -q '^ok    components: .* (from release dot-apps in dot-system: helm get values -a)$' \
      "$WORK/foreign-keda-off.txt" || fail "verify does not say it took the components from the release"
  fi
  foreign_expect_no_delete keda-off
  foreign_expect_theirs "after the install with KEDA off"
}

scenario_forgotten_profile() {  # ROUTE (driver-helm4), after scenario_foreign_keda
  foreign_verify no-flags 0
  # Green: nothing failed. (Where no Envoy Gateway controller runs, as on the
  # local control plane, the Gateway's conditions and the proxies are warnings.)
  if check "verify without flags reports from the release, KEDA off, and nothing fails"; then
    grep -q '^ok    components: envoyGateway, prometheus on (in envoy-gateway-system, prometheus-system); keda, keda.httpAddon, traefik off (from release dot-apps in dot-system: helm get values -a)$' \
      "$WORK/foreign-no-flags.txt" || fail "verify without flags does not report KEDA off from the release"
    grep -q '^verify: [0-9]* ok, [0-9]* warning(s), 0 failed$' "$WORK/foreign-no-flags.txt" ||
      fail "verify without flags is not green"
    if grep -q '^warn  command line' "$WORK/foreign-no-flags.txt"; then
      fail "verify without flags warns about a command line it was not given"
    fi
  fi
  foreign_expect_no_delete no-flags
  # The --set of the install forgotten: the command line has KEDA on, the release off.
  foreign_verify forgotten-set 0 --profile autoscaling
  if check "verify with the --set forgotten warns that the command line disagrees, and checks the release"; then
    grep -q '^warn  command line and release dot-apps in dot-system: keda: on on the command line, off in the release' \
      "$WORK/foreign-forgotten-set.txt" || fail "verify with the --set forgotten does not warn about it"
    grep -q '^verify: [0-9]* ok, [0-9]* warning(s), 0 failed$' "$WORK/foreign-forgotten-set.txt" ||
      fail "verify with the --set forgotten reports failures: it checked the command line, not the release"
  fi
  foreign_expect_no_delete forgotten-set
  foreign_expect_theirs "after verify"
}

foreign_cleanup() {  # what scenario_foreign_keda made as the other team
  run_cmd foreign-delete-api-service "$KUBECTL" delete apiservices.apiregistration.k8s.io "$FOREIGN_API_SERVICE" \
    --ignore-not-found --wait=true
  run_cmd foreign-delete-operator "$KUBECTL" delete deployment.apps keda-operator -n keda --ignore-not-found --wait=true
}
