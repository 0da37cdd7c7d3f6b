# shellcheck shell=bash disable=SC2034  # variables shared with the other files run.sh sources
# The life of a release (issue 11) and its second day (issue 19): the steps
# each route goes through, in order, one scenario function each, and the loop
# that runs them with the checks.

# Every step, in the order a life goes through them (the rows of the summary).
ALL_STEPS=(foreign-crds foreign-keda forgotten-profile install tenants helm4-upgrade upgrade-unchanged rollback-install upgrade-after-rollback failed-upgrade
  keda-off keda-on envoyGateway-off envoyGateway-on prometheus-off prometheus-on traefik-on traefik-off
  profile-gateway profile-autoscaling profile-migration rollback-each
  uninstall reinstall)

# The first life (issue 11), which every route goes through.
LIFE_STEPS=(install tenants upgrade-unchanged
  keda-off keda-on envoyGateway-off envoyGateway-on prometheus-off prometheus-on traefik-on traefik-off
  profile-gateway profile-autoscaling profile-migration
  uninstall reinstall)

# The steps every selected step needs: a release, and the tenants whose survival
# the later steps check.
IMPLIED_STEPS=(install tenants)

# route_steps ROUTE: ROUTE_STEPS, the steps of that route in the life's order.
# Day two (issue 19): every route with a Helm release rolls back to the install
# and goes on with an upgrade; the plain Helm routes and the driver with Helm 4
# also roll back to every earlier revision at the end of the life, and the
# plain ones fail an upgrade with --rollback-on-failure / --atomic. The
# migration routes start with Helm 3 (or client-side) and go on with Helm 4.
route_steps() {
  local day_two=()
  case $1 in
    helm4 | helm3) day_two=(rollback-install upgrade-after-rollback failed-upgrade rollback-each) ;;
    driver-helm4) day_two=(rollback-install upgrade-after-rollback rollback-each) ;;
    helmfile | driver-helm3) day_two=(rollback-install upgrade-after-rollback) ;;
  esac
  case $1 in
    migrate-helm3) ROUTE_STEPS=(install tenants helm4-upgrade upgrade-unchanged rollback-install upgrade-after-rollback uninstall) ;;
    migrate-driver) ROUTE_STEPS=(install tenants helm4-upgrade upgrade-unchanged uninstall) ;;
    migrate-csa) ROUTE_STEPS=(install tenants helm4-upgrade upgrade-unchanged uninstall) ;;
    interrupt) ROUTE_STEPS=("${INTERRUPT_CASES[@]}") ;;
    foreign-crds) ROUTE_STEPS=(foreign-crds uninstall) ;;
    foreign-keda) ROUTE_STEPS=(foreign-keda forgotten-profile uninstall) ;;
    *)
      ROUTE_STEPS=()
      local step
      for step in "${ALL_STEPS[@]}"; do
        if contains_word "$step" "${LIFE_STEPS[@]}" "${day_two[@]}"; then ROUTE_STEPS+=("$step"); fi
      done
      ;;
  esac
}

# step_spec STEP: SPEC_KIND (install|tenants|upgrade|rollback|uninstall),
# SPEC_PROFILE, SPEC_SETS (array), SPEC_TEXT, SPEC_SAME (1: the step keeps every
# component as it is, so no object of the release may be re-created). The first
# install and every upgrade that is not about profiles use the autoscaling
# profile (Envoy Gateway, KEDA with its HTTP add-on, kube-prometheus-stack): the
# tenants need all three CRD sets.
step_spec() {
  SPEC_KIND=upgrade
  SPEC_PROFILE=autoscaling
  SPEC_SETS=()
  SPEC_SAME=0
  case $1 in
    install) SPEC_KIND=install SPEC_TEXT="install on an empty cluster" ;;
    tenants) SPEC_KIND=tenants SPEC_TEXT="other teams' objects, made by hand: ScaledObject, HTTPRoute, PodMonitor, a ConfigMap in keda" ;;
    helm4-upgrade) SPEC_SAME=1 SPEC_TEXT="the first upgrade by Helm 4 of a release Helm 3 or a client-side install wrote, same values" ;;
    upgrade-unchanged) SPEC_SAME=1 SPEC_TEXT="upgrade that changes nothing" ;;
    rollback-install) SPEC_KIND=rollback SPEC_SAME=1 SPEC_TEXT="roll back to revision 1, the install (route's rollback)" ;;
    upgrade-after-rollback) SPEC_SAME=1 SPEC_TEXT="upgrade after the rollback, same values" ;;
    failed-upgrade) SPEC_SAME=1 SPEC_SETS=(gateway-helm.deployment.replicas=-1)
      SPEC_TEXT="an upgrade the API server refuses half-way, rolled back by Helm (--rollback-on-failure, Helm 3 --atomic)" ;;
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
    foreign-crds) SPEC_PROFILE=gateway
      SPEC_TEXT="another team's Gateway API bundle: refused without its ReferenceGrant CRD, left alone when complete, taken over only with --take-over-crds (dotk8s install/upgrade --profile gateway)" ;;
    foreign-keda) SPEC_SETS=(apps.keda.enabled=false)
      SPEC_TEXT="another team's KEDA in namespace keda (their keda-operator and metrics APIService): dotk8s install refuses before anything changes, installs with KEDA off, verify leaves theirs alone" ;;
    forgotten-profile) SPEC_SETS=(apps.keda.enabled=false)
      SPEC_TEXT="dotk8s verify without flags and with the --set forgotten reports from the release; then the other team's KEDA goes" ;;
    rollback-each) SPEC_KIND=rollback SPEC_TEXT="roll back to every earlier revision, newest first, each checked (route's rollback)" ;;
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

# --- day two (issue 19) ----------------------------------------------------------------

# The release's revisions as the suite made them: REVISION|EG KEDA PROM TRAEFIK|HOOKS,
# one line each in ROUTE_STATE/revisions. HOOKS=1: a custom resource of the release is
# a hook in that revision (the install: the add-on's ScaledObject, whose kind is not
# served yet), 0: it is an object. A rollback copies the target's line.
last_revision() {  # the release's newest revision number ("" when there is none)
  [ "$PRINT_ONLY" = 1 ] && { printf 'N'; return 0; }
  local helm
  helm=$(route_helm "$CURRENT_ROUTE")
  HELM_PLUGINS="$HELM3_PLUGINS" "$helm" history dot-apps -n "$RELEASE_NAMESPACE" --max 1 -o json 2>/dev/null |
    grep -o '"revision": *[0-9]*' | grep -o '[0-9]*$' | tail -n 1
}

record_revision() {  # HOOKS: the newest revision with the components now on
  [ "$PRINT_ONLY" = 1 ] && return 0
  local revision
  revision=$(last_revision)
  [ -n "$revision" ] || return 0
  printf '%s|%s %s %s %s|%s\n' "$revision" "$ON_EG" "$ON_KEDA" "$ON_PROM" "$ON_TRAEFIK" "$1" >>"$ROUTE_STATE/revisions"
}

# 1 when the newest revision holds a custom resource as a hook (dotk8s-post marks
# those pre-rollback), else 0. Hooks may hold Secret data: counted, never shown.
revision_holds_hooks() {
  [ "$PRINT_ONLY" = 1 ] && { printf 0; return 0; }
  local helm count
  helm=$(route_helm "$CURRENT_ROUTE")
  count=$(HELM_PLUGINS="$HELM3_PLUGINS" "$helm" get hooks dot-apps -n "$RELEASE_NAMESPACE" 2>/dev/null |
    grep -c 'helm.sh/hook: .*pre-rollback' || true)
  if [ "${count:-0}" -gt 0 ]; then printf 1; else printf 0; fi
}

revision_line() { awk -F'|' -v r="$1" '$1 == r {line = $0} END {print line}' "$ROUTE_STATE/revisions" 2>/dev/null; }

# rollback_to ROUTE REVISION: the route's rollback, then ON_* as that revision had
# them, and its line recorded again under the new revision. Returns 2 when Helm
# refused it because it cannot adopt (below), 1 on any other failure.
rollback_to() {
  local route=$1 revision=$2 line components hooks
  line=$(revision_line "$revision")
  if ! rollback_route "$route" "$revision"; then
    rollback_refused_by_helm "$route" && return 2
    return 1
  fi
  [ "$PRINT_ONLY" = 1 ] && return 0
  if [ -z "$line" ]; then
    fail "$route: revision $revision is not one the suite made; its components are unknown"
    return 0
  fi
  components=$(cut -d'|' -f2 <<<"$line")
  hooks=$(cut -d'|' -f3 <<<"$line")
  read -r ON_EG ON_KEDA ON_PROM ON_TRAEFIK <<<"$components"
  record_revision "$hooks"
}

# Helm's rollback adopts nothing (pkg/kube/client.go update(): a target object that
# is live but not in the current manifest fails "original object KIND with the name
# NAME not found", Helm 3 "no KIND with the name NAME found", before anything is
# deleted). That is what a rollback across a
# component switch meets: the CRDs and Namespaces the release keeps when a component
# goes off are live but no longer in the manifest. On the plain Helm routes this is
# the expected answer when the object is one the release keeps (helm.sh/resource-policy
# keep); `dotk8s rollback` must never meet it. Says so and succeeds in that case.
rollback_refused_by_helm() {  # ROUTE
  case $1 in driver-*) return 1 ;; esac
  local err="$LAST_CMD_LOG.err" kind name policy
  [ -f "$err" ] || return 1
  # Helm 4: original object KIND with the name "NAME" not found; Helm 3: no KIND with the name "NAME" found.
  read -r kind name < <(sed -n -e 's/.*original object \([A-Za-z]*\) with the name \\*"\([^"\\]*\)\\*" not found.*/\1 \2/p' \
    -e 's/.*: no \([A-Za-z]*\) with the name \\*"\([^"\\]*\)\\*" found.*/\1 \2/p' "$err" | head -n 1)
  [ -n "$kind" ] && [ -n "$name" ] || return 1
  local namespaced=()
  case $kind in CustomResourceDefinition | Namespace | ClusterRole | ClusterRoleBinding) ;; *) namespaced=(--all-namespaces) ;; esac
  policy=$("$KUBECTL" get "$kind" "${namespaced[@]}" --field-selector "metadata.name=$name" \
    -o 'jsonpath={.items[0].metadata.annotations.helm\.sh/resource-policy}' 2>/dev/null || true)
  [ "$policy" = keep ] || return 1
  note "Helm refused the rollback: $kind $name is kept live across a component switch but not in the current revision, and Helm's rollback adopts nothing; nothing was deleted (dotk8s rollback rolls forward instead)"
  return 0
}

scenario_rollback_install() {  # ROUTE: roll back to the install, revision 1
  rollback_to "$1" 1
}

# ROUTE: an upgrade the API server refuses half-way (a Deployment with replicas
# -1, after the kinds before it were applied), which Helm rolls back itself: Helm 4
# --rollback-on-failure, Helm 3 --atomic. The route's command must fail; the
# checks then hold for the revision it rolled back to (the same components).
scenario_failed_upgrade() {
  local route=$1 rc=0
  HELM_EXTRA_ARGS=(--rollback-on-failure)
  [ "$route" = helm3 ] && HELM_EXTRA_ARGS=(--atomic)
  route_function deploy "$route"
  "$ROUTE_FUNCTION" upgrade "$SPEC_PROFILE" "${SPEC_SETS[@]}" || rc=$?
  HELM_EXTRA_ARGS=()
  [ "$PRINT_ONLY" = 1 ] && return 0
  if [ "$rc" = 0 ]; then
    fail "$route: the upgrade with ${SPEC_SETS[*]} succeeded; the API server should have refused it"
  else
    note "the upgrade failed as it should (the API server refuses replicas -1); Helm rolled it back"
  fi
  local status helm
  helm=$(route_helm "$route")
  status=$(HELM_PLUGINS="$HELM3_PLUGINS" "$helm" status dot-apps -n "$RELEASE_NAMESPACE" -o json 2>/dev/null |
    grep -o '"status": *"[a-z-]*"' | head -n 1 | cut -d'"' -f4)
  [ "$status" = deployed ] || fail "$route: after the failed upgrade the release is '${status:-unknown}', not deployed"
  record_revision 0
  return 0
}

# ROUTE: roll back to every earlier revision the suite made, newest first; after
# each, the invariants and that what the target holds is live. Skipped, and said:
# the revisions that hold a custom resource as a hook (the install and its
# copies): rolled back to, Helm's rollback keeps the object (pre-rollback hook
# with keep; rollback-install checks it), but from there a rollback to a revision
# that holds it as an object cannot adopt it ("original object ... not found",
# Helm's rollback adopts nothing); an upgrade goes on from there.
scenario_rollback_each() {
  local route=$1 current target hooks checked=0
  if [ "$PRINT_ONLY" = 1 ]; then
    rollback_route "$route" N
    say "   # for every earlier revision the suite made (newest first, not those holding a hook): the rollback, then check: no CRD and no Namespace lost, tenants survive, the ScaledObject, the manifest live"
    return 0
  fi
  current=$(last_revision)
  # Helm keeps the last --history-max (10) revisions, and each rollback is a new
  # one: a target is taken while Helm still has it.
  local targets=()
  while IFS='|' read -r target _ hooks; do
    if [ -z "$target" ] || [ "$target" -ge "$current" ] || [ "$hooks" != 0 ]; then continue; fi
    targets+=("$target")
  done < <(sort -t'|' -k1,1 -n -r -u "$ROUTE_STATE/revisions")
  [ "${#targets[@]}" -gt 0 ] || { fail "$route: no earlier revision to roll back to"; return 0; }
  local refused=0 gone=() rc helm kept
  helm=$(route_helm "$route")
  for target in "${targets[@]}"; do
    kept=" $(HELM_PLUGINS="$HELM3_PLUGINS" "$helm" history dot-apps -n "$RELEASE_NAMESPACE" -o json 2>/dev/null |
      grep -o '"revision": *[0-9]*' | grep -o '[0-9]*$' | tr '\n' ' ') "
    if [[ $kept != *" $target "* ]]; then
      gone+=("$target")
      continue
    fi
    say "   - rollback to $target"
    rc=0
    rollback_to "$route" "$target" || rc=$?
    SPEC_SAME=0
    check_kept_crds_and_namespaces
    check_tenants
    case $rc in
      0)
        check_interceptor_scaledobject
        check_release_objects_live "$route"
        ;;
      2) refused=$((refused + 1)) ;;  # the release is failed; what was live before stays
      *) fail "$route: the rollback to revision $target failed" ;;
    esac
    checked=$((checked + 1))
  done
  note "$checked rollbacks checked, $refused refused by Helm (it cannot adopt a kept object); ${#gone[@]} earlier revisions no longer kept by Helm (--history-max 10): ${gone[*]:-none}"
  [ "$checked" -ge 3 ] || fail "$route: only $checked rollbacks; the life should leave at least 3 revisions to roll back to"
}

# ROUTE: lib/foreign.sh's check of verify on the release, then the other team's
# KEDA removed (the suite's cleanup knows only what dot-apps makes).
scenario_forgotten_profile_then_cleanup() {
  local rc=0
  scenario_forgotten_profile "$1" || rc=$?
  foreign_cleanup || rc=1
  return "$rc"
}

scenario_for_step() {  # STEP: SCENARIO, the function that runs it
  case $1 in
    install) SCENARIO=scenario_install ;;
    tenants) SCENARIO=scenario_tenants ;;
    upgrade-unchanged | helm4-upgrade | upgrade-after-rollback) SCENARIO=scenario_upgrade_unchanged ;;
    *-off | *-on) SCENARIO=scenario_switch ;;
    profile-*) SCENARIO=scenario_profile ;;
    rollback-install) SCENARIO=scenario_rollback_install ;;
    failed-upgrade) SCENARIO=scenario_failed_upgrade ;;
    rollback-each) SCENARIO=scenario_rollback_each ;;
    foreign-crds) SCENARIO=scenario_foreign_crds ;;
    foreign-keda) SCENARIO=scenario_foreign_keda ;;
    forgotten-profile) SCENARIO=scenario_forgotten_profile_then_cleanup ;;
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
      route_steps "$route"
      for step in "${SELECTED_STEPS[@]}"; do
        if contains_word "$step" "${ROUTE_STEPS[@]}"; then RESULTS["$route|$step"]=skip; fi
      done
      return 0
    fi
  fi
  local route_started=$SECONDS
  if [ "$route" = interrupt ]; then  # its cases run in their own loop (lib/interrupt.sh), all of them
    run_interrupt_route "$route"
    cleanup_route "$route"
    CURRENT_ROUTE=""
    ROUTE_SECONDS["$route"]=$((SECONDS - route_started))
    return 0
  fi
  route_reset_state "$route"
  CURRENT_ROUTE=$route
  route_steps "$route"
  local step index=0 stop=0
  for step in "${SELECTED_STEPS[@]}"; do
    contains_word "$step" "${ROUTE_STEPS[@]}" || continue
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
  elif [ -n "$(route_helm "$route")" ]; then
    case $step in
      install | reinstall | helm4-upgrade | upgrade-unchanged | upgrade-after-rollback | *-off | *-on | profile-*)
        record_revision "$(revision_holds_hooks)" ;;
    esac
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
