# shellcheck shell=bash disable=SC2034  # variables shared with the other files run.sh sources
# Interrupted operations (a cancelled CI job): for a driver route, `dotk8s install`
# and `dotk8s upgrade` are started in a session of their own and the whole
# process group (dotk8s, helm, dotk8s-post, kubectl) is killed at one point:
#   crds       during the CRD apply (kubectl apply --server-side --force-conflicts runs)
#   hooks      during helm's pre-install/pre-upgrade hooks (the release is pending
#              and Envoy Gateway's certgen hook Job has just been created anew)
#   objects    during helm's creation of the release's objects (pending, a Service
#              the operation creates exists, the creation of its Deployments held
#              by a webhook that never answers: hold_deployments)
#   apiserver  the API server of the local control plane restarted under a running
#              helm (controlplane/restart-apiserver.sh)
# Then the same command runs again and must recover and converge: a young
# pending revision is refused with a message naming --recover-pending, the rerun
# with it (or, once, with a short --pending-timeout) removes only the stuck
# revision's record, and the release ends deployed with every check of a normal
# step (checks_after_step: no CRD or Namespace lost or re-created, tenants intact,
# every object of the manifest live, dotk8s verify, no Secret data printed),
# objects the killed operation created adopted with their UIDs, no pending
# revision left.
#
# run.sh wires it: run_interrupt_route ROUTE (driver-helm4 or driver-helm3) on
# an empty cluster, then cleanup_route ROUTE. Results go to RESULTS["ROUTE|CASE"]
# for every name in INTERRUPT_CASES.

INTERRUPT_CASES=(install-killed-crds tenants upgrade-killed-crds upgrade-killed-hooks upgrade-killed-objects
  upgrade-apiserver-restart install-killed-hooks install-killed-objects install-apiserver-restart)

INTERRUPT_PID=""   # the killed command's pid, which is its process group's id (setsid)
INTERRUPT_DONE=""  # the point the kill hit, or why it missed ("" while none)
INTERRUPT_POLL=0.1 # seconds between two looks at the cluster while waiting for a point

interrupt_case_text() {
  case $1 in
    install-killed-crds) echo "dotk8s install killed during the CRD apply, then dotk8s install again" ;;
    tenants) echo "other teams' objects, made by hand (as the suite's tenants step)" ;;
    upgrade-killed-crds) echo "dotk8s upgrade killed during the CRD apply, then dotk8s upgrade again" ;;
    upgrade-killed-hooks) echo "dotk8s upgrade killed during helm's pre-upgrade hooks; refused without --recover-pending, recovered with it" ;;
    upgrade-killed-objects) echo "dotk8s upgrade (Traefik on) killed while helm creates Traefik's objects; recovered by --pending-timeout 5s, the objects adopted" ;;
    upgrade-apiserver-restart) echo "the API server restarted during dotk8s upgrade (Traefik off), then dotk8s upgrade again" ;;
    install-killed-hooks) echo "after an uninstall, dotk8s install killed during helm's pre-install hooks; dotk8s upgrade --recover-pending installs" ;;
    install-killed-objects) echo "after an uninstall, dotk8s install killed while helm creates the release's objects; the objects adopted" ;;
    install-apiserver-restart) echo "after an uninstall, the API server restarted during dotk8s install, then dotk8s install again" ;;
  esac
}

# --- the command in its own process group, and the kill ------------------------------------

# interrupt_start LABEL CMD...: CMD in a session of its own (setsid: its pid is
# its process group's id), stdout and stderr into the step's log like run_cmd.
interrupt_start() {
  local label=$1
  shift
  print_command " &   # its own process group, to be killed" "$@"
  CMD_INDEX=$((CMD_INDEX + 1))
  printf -v INTERRUPT_LOG '%s/%02d-%s' "$STEP_LOG_DIR" "$CMD_INDEX" "$label"
  print_command "" "$@" >"$INTERRUPT_LOG.cmd"
  INTERRUPT_DONE=""
  # Without job control (a script) a background job is no group leader, so
  # setsid makes the session in the process itself instead of forking.
  setsid "$@" >"$INTERRUPT_LOG.out" 2>"$INTERRUPT_LOG.err" </dev/null &
  INTERRUPT_PID=$!
  INTERRUPT_STARTED=$SECONDS
  local stat fields
  sleep 0.05
  stat=$(cat "/proc/$INTERRUPT_PID/stat" 2>/dev/null) || stat=""
  stat=${stat##*) }
  read -r -a fields <<<"$stat"
  if [ -n "$stat" ] && [ "${fields[2]}" != "$INTERRUPT_PID" ]; then
    fail "setsid did not make $* a process group of its own (pgid ${fields[2]}, pid $INTERRUPT_PID)"
  fi
}

# interrupt_kill_when POINT TIMEOUT PREDICATE...: polls PREDICATE while the
# command runs; when it holds, kills the whole process group (KILL: nothing of
# it gets to clean up, as when a CI runner cancels a job) and sets INTERRUPT_DONE
# to POINT. If the command ends first or TIMEOUT passes, INTERRUPT_DONE says so
# and the check fails: the case did not test what it names.
interrupt_kill_when() {
  local point=$1 timeout=$2
  shift 2
  local since=$SECONDS
  while kill -0 "$INTERRUPT_PID" 2>/dev/null; do
    if "$@"; then
      kill -KILL -- "-$INTERRUPT_PID" 2>/dev/null || true
      INTERRUPT_DONE=$point
      break
    fi
    if [ $((SECONDS - since)) -ge "$timeout" ]; then
      kill -KILL -- "-$INTERRUPT_PID" 2>/dev/null || true
      INTERRUPT_DONE="timeout"
      break
    fi
    sleep "$INTERRUPT_POLL"
  done
  local rc=0
  wait "$INTERRUPT_PID" 2>/dev/null || rc=$?
  [ -n "$INTERRUPT_DONE" ] || INTERRUPT_DONE="ended (exit $rc) before the point"
  printf '     killed at %s s: %s (exit %s)\n' "$((SECONDS - INTERRUPT_STARTED))" "$INTERRUPT_DONE" "$rc"
  check "the kill hit its point: $point" || return 0
  [ "$INTERRUPT_DONE" = "$point" ] || fail "the kill missed its point $point: $INTERRUPT_DONE"
  # Nothing of the group may be left running (it would be a live helm after all);
  # a killed process takes a moment to go, and a zombie waits for init to reap it.
  local left waited=0
  while left=$(group_alive "$INTERRUPT_PID") && [ -n "$left" ] && [ "$waited" -lt 50 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  [ -z "$left" ] || fail "processes of the killed group still run 5 s after the kill: $left"
}

group_alive() {  # PGID: the pids of the group that are not zombies
  local pid state
  for pid in $(pgrep -g "$1" 2>/dev/null || true); do
    state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$pid/stat" 2>/dev/null || true)
    if [ -n "$state" ] && [ "$state" != Z ]; then printf '%s ' "$pid"; fi
  done
}

# The points, as predicates on the process group and the cluster.
crd_apply_runs() { pgrep -g "$INTERRUPT_PID" -f -- '--force-conflicts' >/dev/null 2>&1; }
helm_runs() { pgrep -g "$INTERRUPT_PID" -f -- " (install|upgrade) dot-apps " >/dev/null 2>&1; }
release_status_secret() {  # STATUS: a record of release dot-apps with that status exists
  [ -n "$("$KUBECTL" get secrets -n "$RELEASE_NAMESPACE" -l "owner=helm,name=dot-apps,status=$1" \
    -o name --request-timeout=5s 2>/dev/null)" ]
}
object_uid() {  # KIND NAME NAMESPACE: its uid ("" when absent), quietly
  "$KUBECTL" get "$1" "$2" -n "$3" --ignore-not-found -o 'jsonpath={.metadata.uid}' --request-timeout=5s 2>/dev/null || true
}
# helm is in its pre-install/pre-upgrade hooks: the release pending and
# Envoy Gateway's certgen Job created anew (before-hook-creation replaced the
# last one, whose uid is CERTGEN_BEFORE).
in_hooks() {
  local status=$1 uid
  helm_runs || return 1
  uid=$(object_uid job dot-apps-gateway-helm-certgen envoy-gateway-system)
  [ -n "$uid" ] && [ "$uid" != "$CERTGEN_BEFORE" ] && release_status_secret "$status"
}
# helm creates the release's objects: the release pending and an object
# the operation creates (OBJECT_KIND OBJECT_NAME OBJECT_NS) exists.
in_objects() {
  local status=$1
  helm_runs || return 1
  [ -n "$(object_uid "$OBJECT_KIND" "$OBJECT_NAME" "$OBJECT_NS")" ] && release_status_secret "$status"
}
# helm has started (the release pending): the moment to cut the API server away.
helm_started() { helm_runs && release_status_secret "$1"; }

# hold_deployments NAMESPACE: helm's creation of the release's objects takes
# a few hundred milliseconds (Helm 3 runs no hook after it under the helm3
# profile), too short to hit by polling. For the objects point, every CREATE of
# a Deployment in NAMESPACE waits HOLD_SECONDS: a validating webhook (failurePolicy
# Ignore, so the create then goes through) whose URL is a listener on 127.0.0.1
# that accepts and never answers. The objects of the kinds helm creates before
# Deployments (ServiceAccounts, Services, ...) exist meanwhile: that is the point.
HOLD_SECONDS=15
HOLD_WEBHOOK=dotk8s-cluster-test-hold
HOLD_LISTENER=""
hold_deployments() {
  local ns=$1 port=""
  command -v python3 >/dev/null 2>&1 || { note "python3 is not installed: no hold, the point is polled for"; return 0; }
  local port_file="$STEP_LOG_DIR/hold-port"
  python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    held.append(s.accept()[0])' "$port_file" </dev/null >/dev/null 2>&1 &
  HOLD_LISTENER=$!
  local tries
  for tries in $(seq 1 100); do
    [ -s "$port_file" ] && break
    sleep 0.1
  done
  port=$(cat "$port_file" 2>/dev/null || true)
  [ -n "$port" ] || { fail "the hold listener did not start ($tries tries)"; release_hold; return 1; }
  local config="$STEP_LOG_DIR/hold-webhook.yaml"
  cat >"$config" <<EOF
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: $HOLD_WEBHOOK
  labels:
    dotk8s.dev/cluster-test: interrupt
webhooks:
- name: hold.dotk8s-cluster-test.dotk8s.dev
  admissionReviewVersions: ["v1"]
  sideEffects: None
  failurePolicy: Ignore
  timeoutSeconds: $HOLD_SECONDS
  clientConfig:
    url: https://127.0.0.1:$port/hold
  rules:
  - operations: ["CREATE"]
    apiGroups: ["apps"]
    apiVersions: ["v1"]
    resources: ["deployments"]
  namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: $ns
EOF
  run_cmd hold-webhook "$KUBECTL" apply -f "$config" || return 1
  sleep 2  # the API server picks a new webhook configuration up within a second
}
release_hold() {
  if [ "$PRINT_ONLY" != 1 ] && [ -n "$(kget validatingwebhookconfigurations "$HOLD_WEBHOOK" -o name)" ]; then
    run_cmd release-hold "$KUBECTL" delete validatingwebhookconfiguration "$HOLD_WEBHOOK" --ignore-not-found || true
  fi
  if [ -n "$HOLD_LISTENER" ]; then
    kill "$HOLD_LISTENER" 2>/dev/null || true
    wait "$HOLD_LISTENER" 2>/dev/null || true
    HOLD_LISTENER=""
  fi
  return 0
}

# --- what the kill left, and the rerun ----------------------------------------------------------

# release_last: LAST_REVISION LAST_STATUS of release dot-apps ("" when there is none).
release_last() {
  LAST_REVISION="" LAST_STATUS=""
  local json
  json=$(HELM_PLUGINS="$HELM3_PLUGINS" "$(route_helm "$CURRENT_ROUTE")" history dot-apps -n "$RELEASE_NAMESPACE" \
    -o json --max 1 2>/dev/null) || return 0
  LAST_REVISION=$(printf '%s' "$json" | grep -o '"revision":[0-9]*' | tail -n 1 | cut -d: -f2)
  LAST_STATUS=$(printf '%s' "$json" | grep -o '"status":"[^"]*"' | tail -n 1 | cut -d'"' -f4)
}

expect_left() {  # STATUS: what the kill left ("none": no release; "any": not checked)
  local expected=$1
  release_last
  say "     the release after the kill: ${LAST_STATUS:-none}${LAST_REVISION:+ (revision $LAST_REVISION)}"
  [ "$expected" = any ] && return 0
  check "the interrupted operation left the release ${expected}" || return 0
  [ "${LAST_STATUS:-none}" = "$expected" ] ||
    fail "expected the release ${expected} after the kill, found ${LAST_STATUS:-none}${LAST_REVISION:+ (revision $LAST_REVISION)}"
}

# driver_again VERB [FLAG]...: the route's command again with the case's profile and sets.
driver_again() {
  local verb=$1
  shift
  set_flags "${SPEC_SETS[@]}"
  run_cmd "dotk8s-$verb" "$DOTK8S" "$verb" --helm "$(route_helm "$CURRENT_ROUTE")" --kubectl "$KUBECTL" \
    --profile "$SPEC_PROFILE" "${SET_FLAGS[@]}" "$@"
}
last_log() { printf '%s/%02d-%s.err' "$STEP_LOG_DIR" "$CMD_INDEX" "$1"; }

# The young pending revision is refused, with everything the user needs to decide.
expect_refusal() {  # VERB REVISION STATUS
  local verb=$1 revision=$2 status=$3 rc=0
  driver_again "$verb" || rc=$?
  check "a young pending revision is refused: dotk8s $verb exits non-zero naming release, revision $revision, $status, its age and --recover-pending" || return 0
  local err
  err=$(last_log "dotk8s-$verb")
  [ "$rc" != 0 ] || fail "dotk8s $verb succeeded over a pending revision it should have refused"
  grep -q -F "release dot-apps (namespace $RELEASE_NAMESPACE) revision $revision is $status, started at " "$err" ||
    fail "the refusal does not name release, namespace, revision $revision and $status (see $err)"
  grep -q -E "s ago\): it may still be running" "$err" || fail "the refusal does not give the revision's age (see $err)"
  grep -q -F "rerun with --recover-pending" "$err" || fail "the refusal does not name --recover-pending (see $err)"
  # Nothing changed: the same revision is still the last one, still pending.
  release_last
  [ "$LAST_REVISION|$LAST_STATUS" = "$revision|$status" ] ||
    fail "the refused command changed the release: now ${LAST_STATUS:-none} (revision ${LAST_REVISION:-none})"
}

# The rerun that recovers: its block says what it removed, and only that.
expect_recovery() {  # VERB REVISION STATUS FLAG...
  local verb=$1 revision=$2 status=$3
  shift 3
  local rc=0
  driver_again "$verb" "$@" || rc=$?
  check "dotk8s $verb $* recovers: it deletes Secret sh.helm.release.v1.dot-apps.v$revision ($status) and says so" || return 0
  local err
  err=$(last_log "dotk8s-$verb")
  [ "$rc" = 0 ] || fail "dotk8s $verb $* did not recover (exit $rc; see $err)"
  grep -q -F "dotk8s: recovering release dot-apps: revision $revision ($status) is taken as abandoned" "$err" ||
    fail "no recovery block for revision $revision in $err"
  grep -q -F "deleted Secret sh.helm.release.v1.dot-apps.v$revision in namespace $RELEASE_NAMESPACE" "$err" ||
    fail "the recovery block does not name the deleted record in $err"
  return "$rc"
}

# After the rerun: deployed, nothing pending, and an object the killed
# operation created kept its uid (adopted, not deleted and created again).
expect_converged() {
  check "release dot-apps is deployed and no revision is pending" || return 0
  release_last
  [ "$LAST_STATUS" = deployed ] || fail "release dot-apps is ${LAST_STATUS:-missing} after the rerun, not deployed"
  local pending
  pending=$(kget secrets -n "$RELEASE_NAMESPACE" -l owner=helm,name=dot-apps \
    -o 'jsonpath={range .items[*]}{.metadata.labels.status}{"\n"}{end}' | grep -c '^pending-' || true)
  [ "$pending" = 0 ] || fail "$pending pending revision(s) left"
}
expect_adopted() {  # KIND NAME NAMESPACE UID_BEFORE
  check "$1 $3/$2, created by the killed operation, was adopted: same uid, Helm's release marks" || return 0
  local fields uid release
  fields=$(kfield "$1" "$2" "$3" '{.metadata.uid}|{.metadata.annotations.meta\.helm\.sh/release-name}')
  IFS='|' read -r uid release <<<"$fields"
  [ -n "$4" ] || { fail "$1 $3/$2 did not exist after the kill: nothing to adopt"; return 0; }
  [ "$uid" = "$4" ] || fail "$1 $3/$2 was deleted and created again (uid $4 -> ${uid:-gone})"
  [ "$release" = dot-apps ] || fail "$1 $3/$2 is not marked as release dot-apps's (meta.helm.sh/release-name '$release')"
}

# --- the cases ----------------------------------------------------------------------------------

# Every case: SPEC_* as the suite's steps have them (checks_after_step reads
# them), the components that are on, then the kill and the rerun.
case_spec() {  # KIND PROFILE [KEY=VALUE]...
  SPEC_KIND=$1 SPEC_PROFILE=$2
  shift 2
  SPEC_SETS=("$@")
  components_for "$SPEC_PROFILE" "${SPEC_SETS[@]}"
}

start_driver() {  # VERB: the route's command, to be killed
  set_flags "${SPEC_SETS[@]}"
  interrupt_start "dotk8s-$1-killed" "$DOTK8S" "$1" --helm "$(route_helm "$CURRENT_ROUTE")" --kubectl "$KUBECTL" \
    --profile "$SPEC_PROFILE" "${SET_FLAGS[@]}"
}

case_install_killed_crds() {
  case_spec install autoscaling
  start_driver install
  interrupt_kill_when crds 300 crd_apply_runs
  expect_left none  # helm had not run yet
  driver_again install || return 1
  expect_converged
}

case_tenants() {
  SPEC_KIND=tenants
  scenario_tenants "$CURRENT_ROUTE"
}

# An upgrade applies only the CRDs that are not on the cluster as dotk8s applied
# them (dotk8s.io/applied-sha256: a newer chart's, or ones an older dotk8s
# applied): the digests taken off, as an older dotk8s left them, so that the
# upgrade below applies every CRD again and can be killed while it does.
forget_crd_digests() {
  local crds=(CRD...)
  [ "$PRINT_ONLY" = 1 ] || mapfile -t crds < <(suite_crds)
  [ "${#crds[@]}" -gt 0 ] || return 0
  run_cmd forget-crd-digests "$KUBECTL" annotate crd "${crds[@]}" dotk8s.io/applied-sha256-
}

case_upgrade_killed_crds() {
  case_spec upgrade autoscaling
  release_last
  local before=$LAST_REVISION
  forget_crd_digests || fail "could not take the CRDs' applied digests off"
  start_driver upgrade
  interrupt_kill_when crds 300 crd_apply_runs
  expect_left deployed
  check "the killed upgrade wrote no revision" || true
  [ "$PRINT_ONLY" = 1 ] || [ "$LAST_REVISION" = "$before" ] || fail "revision $before -> $LAST_REVISION although helm never ran"
  driver_again upgrade || return 1
  expect_converged
}

case_upgrade_killed_hooks() {
  case_spec upgrade autoscaling
  CERTGEN_BEFORE=$(object_uid job dot-apps-gateway-helm-certgen envoy-gateway-system)
  start_driver upgrade
  interrupt_kill_when hooks 300 in_hooks pending-upgrade
  expect_left pending-upgrade
  local revision=$LAST_REVISION
  expect_refusal upgrade "$revision" pending-upgrade
  expect_recovery upgrade "$revision" pending-upgrade --recover-pending || return 1
  expect_converged
}

case_upgrade_killed_objects() {
  case_spec upgrade autoscaling apps.traefik.enabled=true
  # Traefik's Service exists, its Deployment is held.
  OBJECT_KIND=service OBJECT_NAME=dot-apps-traefik OBJECT_NS=traefik
  hold_deployments traefik || return 1
  start_driver upgrade
  interrupt_kill_when objects 300 in_objects pending-upgrade
  release_hold
  expect_left pending-upgrade
  local revision=$LAST_REVISION uid
  uid=$(object_uid "$OBJECT_KIND" "$OBJECT_NAME" "$OBJECT_NS")
  # The age route: once the revision is older than the flag's threshold it is
  # taken as abandoned without --recover-pending.
  [ "$PRINT_ONLY" = 1 ] || sleep 6
  expect_recovery upgrade "$revision" pending-upgrade --pending-timeout 5s || return 1
  expect_converged
  expect_adopted "$OBJECT_KIND" "$OBJECT_NAME" "$OBJECT_NS" "$uid"
}

# The API server of the local control plane, stopped for DOWN seconds under a
# running helm and started again with its command line. Elsewhere: skipped.
restart_apiserver_when() {  # STATUS DOWN_SECONDS
  local status=$1 down=$2
  local since=$SECONDS
  while kill -0 "$INTERRUPT_PID" 2>/dev/null && ! helm_started "$status"; do
    [ $((SECONDS - since)) -lt 300 ] || break
    sleep "$INTERRUPT_POLL"
  done
  run_cmd restart-apiserver env DOTK8S_CLUSTER_DIR="$CLUSTER_STATE" "$SUITE_DIR/controlplane/restart-apiserver.sh" "$down" ||
    fail "the API server could not be restarted"
  # The command fails on its own (helm's requests are refused meanwhile); bounded.
  local rc=0 waited=$SECONDS
  while kill -0 "$INTERRUPT_PID" 2>/dev/null && [ $((SECONDS - waited)) -lt 600 ]; do sleep 1; done
  kill -KILL -- "-$INTERRUPT_PID" 2>/dev/null || true
  wait "$INTERRUPT_PID" 2>/dev/null || rc=$?
  say "     the command ended $((SECONDS - INTERRUPT_STARTED)) s after its start (exit $rc)"
}

# The next command after the API server's restart. helm may have left the
# revision pending (it could not write its end: the driver recovers it), written
# it failed, or finished (its client retried until the server was back): then
# the next command is an upgrade, as helm install refuses an existing release.
rerun_after_restart() {  # VERB
  local verb=$1
  release_last
  case ${LAST_STATUS:-none} in
    pending-*) expect_recovery "$verb" "$LAST_REVISION" "$LAST_STATUS" --recover-pending || return 1 ;;
    none) driver_again "$verb" || return 1 ;;
    *)
      note "helm wrote its end itself ($LAST_STATUS): nothing to recover; the next command is dotk8s upgrade"
      driver_again upgrade || return 1
      ;;
  esac
  expect_converged
}

case_upgrade_apiserver_restart() {
  case_spec upgrade autoscaling
  start_driver upgrade
  restart_apiserver_when pending-upgrade 5
  expect_left any
  rerun_after_restart upgrade
}

# The install cases start where an uninstall leaves the cluster: the CRDs,
# namespaces and tenants kept, no release.
uninstall_first() {
  route_function uninstall "$CURRENT_ROUTE"
  "$ROUTE_FUNCTION" || return 1
  # The last certgen hook Job, if helm left one, is the "before" of the hooks point.
  CERTGEN_BEFORE=$(object_uid job dot-apps-gateway-helm-certgen envoy-gateway-system)
}

case_install_killed_hooks() {
  uninstall_first || return 1
  case_spec install autoscaling
  start_driver install
  interrupt_kill_when hooks 300 in_hooks pending-install
  expect_left pending-install
  expect_refusal install 1 pending-install
  # A killed first install leaves no earlier revision: upgrade installs.
  expect_recovery upgrade 1 pending-install --recover-pending || return 1
  check "dotk8s upgrade said it installs instead" || true
  # shellcheck disable=SC2016  # backquotes of the message, not a command
  [ "$PRINT_ONLY" = 1 ] || grep -q -F 'so `dotk8s upgrade` runs helm install instead of helm upgrade' "$(last_log dotk8s-upgrade)" ||
    fail "dotk8s upgrade did not say that it installs"
  expect_converged
}

case_install_killed_objects() {
  uninstall_first || return 1
  case_spec install autoscaling
  # KEDA's operator Service exists, its Deployments are held.
  OBJECT_KIND=service OBJECT_NAME=keda-operator OBJECT_NS=keda
  hold_deployments keda || return 1
  start_driver install
  interrupt_kill_when objects 300 in_objects pending-install
  release_hold
  expect_left pending-install
  local uid
  uid=$(object_uid "$OBJECT_KIND" "$OBJECT_NAME" "$OBJECT_NS")
  expect_recovery install 1 pending-install --recover-pending || return 1
  expect_converged
  expect_adopted "$OBJECT_KIND" "$OBJECT_NAME" "$OBJECT_NS" "$uid"
}

case_install_apiserver_restart() {
  uninstall_first || return 1
  case_spec install autoscaling
  start_driver install
  restart_apiserver_when pending-install 5
  expect_left any
  rerun_after_restart install
}

# --- the loop -------------------------------------------------------------------------------------

# run_interrupt_route ROUTE: every case in order (each a step of the route, with
# the suite's checks after it), on an empty cluster; the caller cleans up.
run_interrupt_route() {
  local route=$1
  case $route in
    driver-helm4 | driver-helm3 | interrupt) ;;
    *) fail "interrupted operations run on the driver routes only, not $route"; return 1 ;;
  esac
  route_reset_state "$route"
  CURRENT_ROUTE=$route
  CLUSTER_STATE=${DOTK8S_CLUSTER_DIR:-$ROOT/.cluster}
  local name index=0
  for name in "${INTERRUPT_CASES[@]}"; do
    index=$((index + 1))
    run_interrupt_case "$route" "$name" "$index"
  done
}

run_interrupt_case() {  # ROUTE CASE INDEX
  local route=$1 name=$2 index=$3
  SPEC_TEXT=$(interrupt_case_text "$name")
  say "-- $route $name: $SPEC_TEXT"
  printf -v STEP_LOG_DIR '%s/%s/%02d-%s' "$LOG_ROOT" "$route" "$index" "$name"
  STEP_FAIL_FILE="$STEP_LOG_DIR/failures"
  STEP_CHECKS=0
  CMD_INDEX=0
  STEP_COMMAND_FAILED=0
  [ "$PRINT_ONLY" = 1 ] || mkdir -p "$STEP_LOG_DIR"
  local started=$SECONDS
  if [[ $name == *apiserver* ]] && [ ! -f "$CLUSTER_STATE/pids/kube-apiserver.pid" ] && [ "$PRINT_ONLY" != 1 ]; then
    say "   skipped: not on the local control plane ($CLUSTER_STATE/pids/kube-apiserver.pid), whose API server it restarts"
    RESULTS["$route|$name"]=skip
    return 0
  fi
  if [ "$PRINT_ONLY" = 1 ]; then
    say "   # starts the command with setsid, kills its process group at the point, runs it again and checks"
    RESULTS["$route|$name"]=plan
    return 0
  fi
  local case_function="case_${name//-/_}"
  if ! "$case_function"; then
    STEP_COMMAND_FAILED=1
    fail "$route $name: the rerun failed (its output is above and in $STEP_LOG_DIR)"
  fi
  release_hold  # never left behind, whatever the case did
  checks_after_step "$route" "$name"
  local failures
  failures=$(step_failures)
  if [ "$failures" = 0 ]; then
    RESULTS["$route|$name"]=ok
    say "   ok ($STEP_CHECKS checks, $((SECONDS - started)) s)"
  else
    RESULTS["$route|$name"]=FAIL
    say "   FAIL ($failures failures, $STEP_CHECKS checks, $((SECONDS - started)) s; logs in $STEP_LOG_DIR)"
  fi
}
