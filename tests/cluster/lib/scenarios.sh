# shellcheck shell=bash disable=SC2034  # variables shared with the other files run.sh sources
# The life of a release (issue 11): the steps every route goes through, in order,
# one scenario function each, and the loop that runs them with the checks.

ALL_STEPS=(install tenants upgrade-unchanged
  keda-off keda-on envoyGateway-off envoyGateway-on prometheus-off prometheus-on traefik-on traefik-off
  profile-gateway profile-autoscaling profile-migration
  uninstall reinstall)

# The steps every selected step needs: a release, and the tenants whose survival
# the later steps check.
IMPLIED_STEPS=(install tenants)

# step_spec STEP: SPEC_KIND (install|tenants|upgrade|uninstall), SPEC_PROFILE,
# SPEC_SETS (array), SPEC_TEXT. The first install and every upgrade that is not
# about profiles use the autoscaling profile (Envoy Gateway, KEDA with its HTTP
# add-on, kube-prometheus-stack): the tenants need all three CRD sets.
step_spec() {
  SPEC_KIND=upgrade
  SPEC_PROFILE=autoscaling
  SPEC_SETS=()
  case $1 in
    install) SPEC_KIND=install SPEC_TEXT="install on an empty cluster" ;;
    tenants) SPEC_KIND=tenants SPEC_TEXT="other teams' objects, made by hand: ScaledObject, HTTPRoute, PodMonitor, a ConfigMap in keda" ;;
    upgrade-unchanged) SPEC_TEXT="upgrade that changes nothing" ;;
    keda-off) SPEC_SETS=(apps.keda.enabled=false) SPEC_TEXT="switch KEDA (and its HTTP add-on) off" ;;
    keda-on) SPEC_TEXT="switch KEDA on again" ;;
    envoyGateway-off) SPEC_SETS=(apps.envoyGateway.enabled=false) SPEC_TEXT="switch Envoy Gateway off" ;;
    envoyGateway-on) SPEC_TEXT="switch Envoy Gateway on again" ;;
    prometheus-off) SPEC_SETS=(apps.prometheus.enabled=false) SPEC_TEXT="switch kube-prometheus-stack off" ;;
    prometheus-on) SPEC_TEXT="switch kube-prometheus-stack on again" ;;
    traefik-on) SPEC_SETS=(apps.traefik.enabled=true) SPEC_TEXT="switch Traefik on (off by default)" ;;
    traefik-off) SPEC_TEXT="switch Traefik off again" ;;
    profile-gateway) SPEC_PROFILE=gateway SPEC_TEXT="upgrade to another profile, Envoy Gateway alone" ;;
    profile-autoscaling) SPEC_PROFILE=autoscaling SPEC_TEXT="upgrade to another profile, KEDA and kube-prometheus-stack back" ;;
    profile-migration) SPEC_PROFILE=migration SPEC_TEXT="upgrade to another profile, plus Traefik" ;;
    uninstall) SPEC_KIND=uninstall SPEC_TEXT="uninstall" ;;
    reinstall) SPEC_KIND=install SPEC_TEXT="install again on the same cluster" ;;
    *) return 1 ;;
  esac
  case $SPEC_KIND in
    install | upgrade) SPEC_TEXT+=" (profile $SPEC_PROFILE${SPEC_SETS[*]:+, --set ${SPEC_SETS[*]}})" ;;
  esac
}

# components_for PROFILE [KEY=VALUE]...: ON_EG ON_KEDA ON_PROM ON_TRAEFIK, what
# the release has on (the profiles of charts/dot-apps/values/, then the --sets).
components_for() {
  local profile=$1
  shift
  ON_EG=1 ON_KEDA=1 ON_PROM=1 ON_TRAEFIK=0
  case $profile in
    gateway) ON_KEDA=0 ON_PROM=0 ;;
    migration) ON_TRAEFIK=1 ;;
  esac
  local pair value
  for pair in "$@"; do
    value=0
    [ "${pair#*=}" = true ] && value=1
    case ${pair%%=*} in
      apps.envoyGateway.enabled) ON_EG=$value ;;
      apps.keda.enabled) ON_KEDA=$value ;;
      apps.prometheus.enabled) ON_PROM=$value ;;
      apps.traefik.enabled) ON_TRAEFIK=$value ;;
    esac
  done
}

# --- the scenarios ------------------------------------------------------------------

scenario_install() {  # ROUTE: install on an empty cluster
  local route=$1
  route_function deploy "$route"
  "$ROUTE_FUNCTION" install "$SPEC_PROFILE" "${SPEC_SETS[@]}"
}

scenario_tenants() {  # ROUTE: other teams' objects, after the first install, before the upgrades
  run_cmd wait-keda-webhook "$KUBECTL" wait --for=condition=Available --timeout=300s \
    deployment/keda-admission-webhooks -n keda ||
    warn "KEDA's admission webhook is not available yet; the ScaledObject may be refused"
  run_cmd tenants "$KUBECTL" apply --server-side --field-manager=dotk8s-cluster-test -f "$TENANTS_FILE" || return 1
  record_tenant_uids
}

scenario_upgrade_unchanged() {  # ROUTE: an upgrade with the install's values
  route_function deploy "$1"
  "$ROUTE_FUNCTION" upgrade "$SPEC_PROFILE" "${SPEC_SETS[@]}"
}

scenario_switch() {  # ROUTE: one component off or on again (the step's --set)
  route_function deploy "$1"
  "$ROUTE_FUNCTION" upgrade "$SPEC_PROFILE" "${SPEC_SETS[@]}"
}

scenario_profile() {  # ROUTE: from one profile to another
  route_function deploy "$1"
  "$ROUTE_FUNCTION" upgrade "$SPEC_PROFILE" "${SPEC_SETS[@]}"
}

scenario_uninstall() {  # ROUTE
  route_function uninstall "$1"
  "$ROUTE_FUNCTION"
}

scenario_reinstall() {  # ROUTE: install again where the uninstall left CRDs and namespaces
  route_function deploy "$1"
  "$ROUTE_FUNCTION" install "$SPEC_PROFILE" "${SPEC_SETS[@]}"
}

scenario_for_step() {  # STEP: SCENARIO, the function that runs it
  case $1 in
    install) SCENARIO=scenario_install ;;
    tenants) SCENARIO=scenario_tenants ;;
    upgrade-unchanged) SCENARIO=scenario_upgrade_unchanged ;;
    *-off | *-on) SCENARIO=scenario_switch ;;
    profile-*) SCENARIO=scenario_profile ;;
    uninstall) SCENARIO=scenario_uninstall ;;
    reinstall) SCENARIO=scenario_reinstall ;;
  esac
}

# --- the loop -------------------------------------------------------------------------

# run_route ROUTE: every selected step, then the cleanup. Results go to RESULTS.
run_route() {
  local route=$1
  say ""
  say "== route $route: $(route_title "$route")"
  if [ "$route" = helmfile ] && { [ -z "$HELMFILE" ] || [ ! -x "$HELMFILE" ]; }; then
    local why="helmfile is not installed (https://helmfile.readthedocs.io; or set HELMFILE=PATH)"
    [ -n "$HELMFILE" ] && why="HELMFILE=$HELMFILE is not an executable"
    if [ "$PRINT_ONLY" = 1 ]; then
      note "$why: a run would skip this route"
    else
      say "   skipped: $why"
      local step
      for step in "${SELECTED_STEPS[@]}"; do RESULTS["$route|$step"]=skip; done
      return 0
    fi
  fi
  local route_started=$SECONDS
  route_reset_state "$route"
  CURRENT_ROUTE=$route
  local step index=0 stop=0
  for step in "${SELECTED_STEPS[@]}"; do
    index=$((index + 1))
    if [ "$stop" = 1 ]; then
      RESULTS["$route|$step"]=skip
      continue
    fi
    run_step "$route" "$step" "$index"
    if [ "${RESULTS["$route|$step"]}" = FAIL ] && [ "$STEP_COMMAND_FAILED" = 1 ] && [ "$SPEC_KIND" = install ]; then
      say "   the install failed: the remaining steps of $route are skipped"
      stop=1
    fi
  done
  cleanup_route "$route"
  CURRENT_ROUTE=""
  ROUTE_SECONDS["$route"]=$((SECONDS - route_started))
}

route_reset_state() {
  local route=$1
  ROUTE_STATE="$WORK/state/$route"
  [ "$PRINT_ONLY" = 1 ] || mkdir -p "$ROUTE_STATE" "$LOG_ROOT/$route" "$WORK/gitops"
  ON_EG=0 ON_KEDA=0 ON_PROM=0 ON_TRAEFIK=0
  RELEASE_NAMESPACE=$(route_release_namespace "$route")
  TENANTS_CREATED=0
  GITOPS_LAST_STREAM=""
}

run_step() {  # ROUTE STEP INDEX
  local route=$1 step=$2 index=$3
  step_spec "$step"
  say "-- $route $step: $SPEC_TEXT"
  printf -v STEP_LOG_DIR '%s/%s/%02d-%s' "$LOG_ROOT" "$route" "$index" "$step"
  STEP_FAIL_FILE="$STEP_LOG_DIR/failures"
  STEP_CHECKS=0
  CMD_INDEX=0
  STEP_COMMAND_FAILED=0
  [ "$PRINT_ONLY" = 1 ] || mkdir -p "$STEP_LOG_DIR"
  local started=$SECONDS
  case $SPEC_KIND in
    install | upgrade) components_for "$SPEC_PROFILE" "${SPEC_SETS[@]}" ;;
    uninstall) ON_EG=0 ON_KEDA=0 ON_PROM=0 ON_TRAEFIK=0 ;;
  esac
  scenario_for_step "$step"
  if ! "$SCENARIO" "$route"; then
    STEP_COMMAND_FAILED=1
    fail "$route $step: the route's command failed (its output is above and in $STEP_LOG_DIR)"
  fi
  checks_after_step "$route" "$step"
  if [ "$PRINT_ONLY" = 1 ]; then
    RESULTS["$route|$step"]=plan
    return 0
  fi
  local failures
  failures=$(step_failures)
  if [ "$failures" = 0 ]; then
    RESULTS["$route|$step"]=ok
    say "   ok ($STEP_CHECKS checks, $((SECONDS - started)) s)"
  else
    RESULTS["$route|$step"]=FAIL
    say "   FAIL ($failures failures, $STEP_CHECKS checks, $((SECONDS - started)) s; logs in $STEP_LOG_DIR)"
  fi
}
