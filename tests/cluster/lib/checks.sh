# shellcheck shell=bash disable=SC2034  # variables shared with the other files run.sh sources
# What the suite asserts with kubectl after every step: the invariants of issue 11
# and the contracts of README "The contracts" (verify_contracts, the one place
# they are written down here; `dotk8s verify` replaces it when the build has it).

# The namespaces whose survival is checked: the components', the releases', the tenants'.
SUITE_NAMESPACES=(dot-system envoy-gateway-system keda prometheus-system traefik team-a default)

# kind|namespace|name of every tenant object (lib/tenants.yaml; team-a is a Namespace in the snapshot).
TENANT_OBJECTS=(
  "deployment.apps|default|dotk8s-tenant"
  "service|default|dotk8s-tenant"
  "scaledobject.keda.sh|default|dotk8s-tenant"
  "httproute.gateway.networking.k8s.io|default|dotk8s-tenant"
  "podmonitor.monitoring.coreos.com|team-a|dotk8s-tenant"
  "configmap|keda|dotk8s-handmade"
)

# component_info COMPONENT: COMPONENT_NS and COMPONENT_DEPLOYMENTS, the
# component's namespace and its own Deployments (names from the pinned charts with
# release dot-apps and the umbrella's fullnameOverride for kube-prometheus-stack).
component_info() {
  case $1 in
    envoyGateway) COMPONENT_NS=envoy-gateway-system COMPONENT_DEPLOYMENTS="envoy-gateway" ;;
    keda) COMPONENT_NS=keda COMPONENT_DEPLOYMENTS="keda-operator keda-operator-metrics-apiserver keda-admission-webhooks keda-add-ons-http-controller-manager keda-add-ons-http-external-scaler keda-add-ons-http-interceptor" ;;
    prometheus) COMPONENT_NS=prometheus-system COMPONENT_DEPLOYMENTS="kube-prometheus-stack-operator dot-apps-grafana dot-apps-kube-state-metrics" ;;
    traefik) COMPONENT_NS=traefik COMPONENT_DEPLOYMENTS="dot-apps-traefik" ;;
  esac
}
component_on() {
  case $1 in
    envoyGateway) [ "$ON_EG" = 1 ] ;;
    keda) [ "$ON_KEDA" = 1 ] ;;
    prometheus) [ "$ON_PROM" = 1 ] ;;
    traefik) [ "$ON_TRAEFIK" = 1 ] ;;
  esac
}

checks_after_step() {  # ROUTE STEP
  collect_secret_needles
  check_kept_crds_and_namespaces
  check_tenants
  check_interceptor_scaledobject
  check_release_objects_live "$1"
  if [ "$SPEC_KIND" = uninstall ]; then
    verify_contracts_with_kubectl  # nothing of the release may remain; dotk8s verify checks a release
  else
    verify_contracts
  fi
  check_no_secret_data
}

# --- no CRD and no Namespace disappears -------------------------------------------------

# Lines "crd|NAME|UID|DELETING" and "namespace|NAME|UID|DELETING" for every CRD and the suite's namespaces.
live_crds_and_namespaces() {
  local path='{range .items[*]}{.metadata.name}{"|"}{.metadata.uid}{"|"}{.metadata.deletionTimestamp}{"\n"}{end}'
  kget customresourcedefinitions -o "jsonpath=$path" | sed 's/^/crd|/'
  local line
  kget namespaces -o "jsonpath=$path" | while IFS= read -r line; do
    if contains_word "${line%%|*}" "${SUITE_NAMESPACES[@]}"; then printf 'namespace|%s\n' "$line"; fi
  done
  return 0
}

check_kept_crds_and_namespaces() {
  check "no CRD and no Namespace (${SUITE_NAMESPACES[*]}) that existed after an earlier step is gone, being deleted or re-created (names and UIDs against the snapshot since the install)" || return 0
  local snapshot="$ROUTE_STATE/kept.snapshot" live="$ROUTE_STATE/kept.live" failures_before
  failures_before=$(step_failures)
  live_crds_and_namespaces >"$live"
  # An unreadable cluster proves nothing (kget reported it); keep the snapshot.
  [ "$(step_failures)" = "$failures_before" ] || return 0
  touch "$snapshot"
  local kind name uid deleting now uid_now
  while IFS='|' read -r kind name uid deleting; do
    [ -n "$name" ] || continue
    now=$(awk -F'|' -v kind="$kind" -v name="$name" '$1 == kind && $2 == name {print; exit}' "$live")
    if [ -z "$now" ]; then
      fail "$kind $name disappeared (it existed after an earlier step; tenants' objects go with it)"
      continue
    fi
    IFS='|' read -r _ _ uid_now deleting <<<"$now"
    if [ "$uid_now" != "$uid" ]; then
      fail "$kind $name was deleted and created again (uid $uid -> $uid_now): whatever it held was lost"
    elif [ -n "$deleting" ]; then
      fail "$kind $name is being deleted (deletionTimestamp $deleting)"
    fi
  done <"$snapshot"
  # The snapshot from now on: what exists, not being deleted (each loss is reported once).
  grep -v -E '\|[^|]+$' "$live" | awk -F'|' '$2 != ""' >"$snapshot" || true
}

# --- what the release renders is live ---------------------------------------------------

route_helm() {  # ROUTE: the helm that holds the route's release ("" for gitops, which has none)
  case $1 in
    helm4 | helmfile | driver-helm4 | migrate-* | interrupt | foreign-*) printf '%s' "$HELM4" ;;
    helm3 | driver-helm3) printf '%s' "$HELM3" ;;
  esac
}

# The lifecycle model's kept-while-rendered rule (docs/lifecycle.md) on the real
# server: after an install, upgrade or rollback, every object of the release's
# stored manifest exists. Hooks are not in the manifest; the add-on's ScaledObject
# is checked on its own above. On a step that keeps every component as it is
# (SPEC_SAME: an unchanged upgrade, the first Helm 4 upgrade of a Helm 3 release,
# a rollback to the same components), no object of the manifest that was live
# before may have been deleted and created again: its UID is compared with the
# previous step's. The manifest holds Secret data, so it is read into WORK
# (kget.* files, removed at once and at exit), never into the step's logs.
check_release_objects_live() {  # ROUTE
  local helm
  helm=$(route_helm "$1")
  case $SPEC_KIND in install | upgrade | rollback) ;; *) return 0 ;; esac
  [ -n "$helm" ] || return 0
  local same_text=""
  [ "${SPEC_SAME:-0}" = 1 ] && same_text="; none of them deleted and created again (UIDs), since this step changes no component"
  check "every object of the release's manifest (helm get manifest dot-apps -n $RELEASE_NAMESPACE) is live: what the release renders is never lost$same_text" || return 0
  local manifest dir err missing uids="$ROUTE_STATE/release.uids"
  manifest=$(mktemp "$WORK/kget.manifest.XXXXXX")
  dir=$manifest.d
  err=$(mktemp "$WORK/kget.err.XXXXXX")
  if ! HELM_PLUGINS="$HELM3_PLUGINS" "$helm" get manifest dot-apps -n "$RELEASE_NAMESPACE" >"$manifest" 2>"$err"; then
    fail "helm get manifest dot-apps -n $RELEASE_NAMESPACE failed: $(head -c 300 "$err")"
  else
    mkdir -p "$dir"
    awk -v dir="$dir" '/^---/ {if (file != "") close(file); n++; file = sprintf("%s/%04d.yaml", dir, n); next}
      file != "" {print > file}' "$manifest"
    # kubectl reports each object it cannot find on stderr and goes on with the others.
    local path='{range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}|{.metadata.uid}{"\n"}{end}'
    if ! "$KUBECTL" get -f "$dir" -o "jsonpath=$path" --request-timeout=60s >"$uids.now" 2>"$err"; then
      missing=$(grep -e 'NotFound' -e 'not found' -e "doesn't have a resource type" -e 'no matches for kind' "$err" | head -n 10 | tr '\n' ';')
      if [ -n "$missing" ]; then
        fail "objects of the release's manifest are not live: $missing"
      else
        fail "could not read the release's objects: $(head -c 300 "$err")"
      fi
    fi
    if [ "${SPEC_SAME:-0}" = 1 ] && [ -s "$uids" ]; then
      local recreated
      recreated=$(awk -F'|' 'NR == FNR {before[$1] = $2; next} ($1 in before) && before[$1] != $2 {print $1}' \
        "$uids" "$uids.now" | head -n 10 | tr '\n' ' ')
      [ -z "$recreated" ] || fail "objects of the release were deleted and created again by a step that changes no component: $recreated"
    fi
    mv "$uids.now" "$uids"
  fi
  rm -rf "$manifest" "$dir" "$err"
}

# --- tenants survive, nothing adopted -----------------------------------------------------

record_tenant_uids() {
  TENANTS_CREATED=1
  [ "$PRINT_ONLY" = 1 ] && return 0
  local entry kind ns name uid
  : >"$ROUTE_STATE/tenants.uids"
  for entry in "${TENANT_OBJECTS[@]}"; do
    IFS='|' read -r kind ns name <<<"$entry"
    uid=$(kfield "$kind" "$name" "$ns" '{.metadata.uid}')
    [ -n "$uid" ] || fail "tenant $kind $ns/$name was not created"
    printf '%s|%s\n' "$entry" "$uid" >>"$ROUTE_STATE/tenants.uids"
  done
}

check_tenants() {
  [ "$TENANTS_CREATED" = 1 ] || return 0
  check "tenant objects survive with their UIDs and no Helm ownership: ScaledObject, HTTPRoute, Deployment, Service dotk8s-tenant in default, PodMonitor dotk8s-tenant in team-a, ConfigMap dotk8s-handmade in keda (made by hand: never adopted)" || return 0
  local kind ns name uid fields uid_now deleting managed_by release
  while IFS='|' read -r kind ns name uid; do
    [ -n "$uid" ] || continue
    fields=$(kfield "$kind" "$name" "$ns" \
      '{.metadata.uid}|{.metadata.deletionTimestamp}|{.metadata.labels.app\.kubernetes\.io/managed-by}|{.metadata.annotations.meta\.helm\.sh/release-name}')
    IFS='|' read -r uid_now deleting managed_by release <<<"$fields"
    if [ -z "$uid_now" ]; then
      fail "tenant $kind $ns/$name is gone"
    elif [ "$uid_now" != "$uid" ]; then
      fail "tenant $kind $ns/$name was deleted and created again (uid $uid -> $uid_now)"
    elif [ -n "$deleting" ]; then
      fail "tenant $kind $ns/$name is being deleted"
    fi
    if [ "$managed_by" = Helm ] || [ -n "$release" ]; then
      fail "tenant $kind $ns/$name was adopted: managed-by '$managed_by', meta.helm.sh/release-name '$release'"
    fi
  done <"$ROUTE_STATE/tenants.uids"
}

# --- the add-on's ScaledObject ----------------------------------------------------------------

check_interceptor_scaledobject() {
  local kind=scaledobject.keda.sh name=keda-add-ons-http-interceptor saved="$ROUTE_STATE/interceptor.uid"
  if [ "$ON_KEDA" = 1 ]; then
    check "ScaledObject keda/$name exists and, on an upgrade or rollback that keeps KEDA on, keeps its UID (not deleted and re-created)" || return 0
    local uid previous=""
    uid=$(kfield "$kind" "$name" keda '{.metadata.uid}')
    [ -s "$saved" ] && previous=$(cat "$saved")
    if [ -z "$uid" ]; then
      fail "ScaledObject keda/$name is missing while KEDA and its HTTP add-on are on"
    elif { [ "$SPEC_KIND" = upgrade ] || [ "$SPEC_KIND" = rollback ]; } && [ -n "$previous" ] && [ "$uid" != "$previous" ]; then
      fail "ScaledObject keda/$name was deleted and re-created by an $SPEC_KIND that keeps KEDA on (uid $previous -> $uid): KEDA drops its HPA and scaling state"
    fi
    printf '%s' "$uid" >"$saved"
  else
    check "ScaledObject keda/$name is gone with the HTTP add-on (not left orphaned)" || return 0
    rm -f "$saved"
    if kexists "$kind" "$name" keda; then
      fail "ScaledObject keda/$name is still there although KEDA is off: $(why_still_there "$kind" "$name" keda)"
    fi
  fi
}

# --- no Secret data in what was printed -----------------------------------------------------------

declare -A POST_LOG_OFFSETS=()

check_no_secret_data() {
  check "no Secret data (the live Grafana admin password, plain and base64; Secret data keys with values) in the stdout/stderr of the step's commands nor in what dotk8s-post logged meanwhile" || return 0
  local file line
  for file in "$STEP_LOG_DIR"/*.out "$STEP_LOG_DIR"/*.err; do
    [ -s "$file" ] || continue
    if log_has_secret_data "$file"; then
      line=$(secret_line "$file")
      fail "Secret data in ${file#"$LOG_ROOT"/} (line $line; not shown)"
    fi
  done
  local log offset size part
  for log in "$XDG_STATE_HOME"/dotk8s/*.log; do
    [ -f "$log" ] || continue
    offset=${POST_LOG_OFFSETS["$log"]:-0}
    size=$(wc -c <"$log" | tr -d ' ')
    if [ "$size" -gt "$offset" ]; then
      part="$STEP_LOG_DIR/post-log-part"
      tail -c "+$((offset + 1))" "$log" >"$part"
      if log_has_secret_data "$part"; then
        fail "Secret data in dotk8s-post's log $log (after byte $offset; not shown)"
      fi
      rm -f "$part"
    fi
    POST_LOG_OFFSETS["$log"]=$size
  done
}

secret_line() {
  local file=$1 line=""
  if [ -s "$WORK/secret-needles" ]; then
    line=$(grep -n -F -f "$WORK/secret-needles" "$file" | head -n 1 | cut -d: -f1 || true)
  fi
  [ -n "$line" ] || line=$(grep -n -E "$SECRET_SHAPES" "$file" | head -n 1 | cut -d: -f1 || true)
  printf '%s' "$line"
}

# --- the contracts ----------------------------------------------------------------------------

# wait_for_rollouts: the Deployments of the components that are on become
# Available. Helm returns (no --wait) once it has written them; Available comes
# a moment later from the controllers (on the local control plane: ReplicaSet,
# scheduler, KWOK), so checking at once would race them. Bounded; a Deployment
# that is missing or never becomes Available is left to the checks to report.
wait_for_rollouts() {
  local component names name refs
  for component in envoyGateway keda prometheus traefik; do
    component_on "$component" || continue
    component_info "$component"
    read -r -a names <<<"$COMPONENT_DEPLOYMENTS"
    refs=()
    for name in "${names[@]}"; do refs+=("deployment/$name"); done
    run_cmd "wait-$component" "$KUBECTL" wait --for=condition=Available --timeout=120s -n "$COMPONENT_NS" "${refs[@]}" ||
      note "not every $component Deployment became Available within 120 s (its log says which); the checks report it"
  done
  return 0
}

# verify_contracts: README "The contracts" for the components that are on, and
# that switched-off components left no Deployment behind. `dotk8s verify` (issue
# 13, docs/driver.md "verify") checks the same and more on the live cluster; it is
# used whenever this build has it, the kubectl checks below only without it.
verify_contracts() {
  wait_for_rollouts
  if [ "$HAVE_DOTK8S_VERIFY" = 1 ]; then
    set_flags "${SPEC_SETS[@]}"
    local namespace=()
    [ "$VERIFY_TAKES_NAMESPACE" = 1 ] && namespace=(-n "$RELEASE_NAMESPACE")
    run_cmd dotk8s-verify "$DOTK8S" verify --profile "$SPEC_PROFILE" "${SET_FLAGS[@]}" "${namespace[@]}" ||
      fail "dotk8s verify found broken wiring (its report is above and in $STEP_LOG_DIR)"
    return 0
  fi
  verify_contracts_with_kubectl
}

verify_contracts_with_kubectl() {
  local component
  for component in envoyGateway keda prometheus traefik; do
    if component_on "$component"; then
      expect_deployments_present "$component"
    else
      expect_deployments_gone "$component"
    fi
  done

  if [ "$ON_EG" = 1 ]; then
    expect_field "GatewayClass eg: controller gateway.envoyproxy.io/gatewayclass-controller" \
      gatewayclass.gateway.networking.k8s.io eg "" '{.spec.controllerName}' gateway.envoyproxy.io/gatewayclass-controller
    expect_field "Gateway envoy-gateway-system/eg: class eg, listener http HTTP/80, routes from All" \
      gateway.gateway.networking.k8s.io eg envoy-gateway-system \
      '{.spec.gatewayClassName}|{.spec.listeners[?(@.name=="http")].protocol}|{.spec.listeners[?(@.name=="http")].port}|{.spec.listeners[?(@.name=="http")].allowedRoutes.namespaces.from}' \
      'eg|HTTP|80|All'
  else
    expect_absent "GatewayClass eg is gone with Envoy Gateway" gatewayclass.gateway.networking.k8s.io eg ""
    expect_absent "Gateway envoy-gateway-system/eg is gone with Envoy Gateway" gateway.gateway.networking.k8s.io eg envoy-gateway-system
  fi

  if [ "$ON_KEDA" = 1 ]; then
    expect_field "Service keda/keda-add-ons-http-interceptor-proxy serves port 8080" \
      service keda-add-ons-http-interceptor-proxy keda '{.spec.ports[?(@.port==8080)].port}' 8080
  fi
  if [ "$ON_KEDA" = 1 ] && [ "$ON_EG" = 1 ]; then
    expect_field "ReferenceGrant keda/keda-interceptor: HTTPRoutes from default to Service keda-add-ons-http-interceptor-proxy" \
      referencegrant.gateway.networking.k8s.io keda-interceptor keda \
      '{.spec.from[?(@.kind=="HTTPRoute")].namespace}|{.spec.to[0].kind}|{.spec.to[0].name}' \
      'default|Service|keda-add-ons-http-interceptor-proxy'
  else
    expect_absent "ReferenceGrant keda/keda-interceptor is gone (needs KEDA and Envoy Gateway)" \
      referencegrant.gateway.networking.k8s.io keda-interceptor keda
  fi

  if [ "$ON_PROM" = 1 ]; then
    expect_field "Service prometheus-system/kube-prometheus-stack-prometheus serves port 9090" \
      service kube-prometheus-stack-prometheus prometheus-system '{.spec.ports[?(@.port==9090)].port}' 9090
  fi
  if [ "$ON_EG" = 1 ] && [ "$ON_PROM" = 1 ]; then
    expect_field "PodMonitor envoy-gateway-system/envoy-gateway-proxy: selector app.kubernetes.io/component=proxy, port metrics, path /stats/prometheus" \
      podmonitor.monitoring.coreos.com envoy-gateway-proxy envoy-gateway-system \
      '{.spec.selector.matchLabels.app\.kubernetes\.io/component}|{.spec.podMetricsEndpoints[?(@.port=="metrics")].path}' \
      'proxy|/stats/prometheus'
  else
    expect_absent "PodMonitor envoy-gateway-system/envoy-gateway-proxy is gone (needs Envoy Gateway and kube-prometheus-stack)" \
      podmonitor.monitoring.coreos.com envoy-gateway-proxy envoy-gateway-system
  fi
}

expect_field() {  # DESCRIPTION KIND NAME NAMESPACE JSONPATH EXPECTED
  local description=$1 kind=$2 name=$3 ns=$4 path=$5 expected=$6
  check "$description" || return 0
  local actual
  actual=$(kfield "$kind" "$name" "$ns" "$path")
  if ! kexists "$kind" "$name" "$ns"; then
    fail "$description: $kind ${ns:+$ns/}$name does not exist"
  elif [ "$actual" != "$expected" ]; then
    fail "$description: found '$actual', expected '$expected'"
  fi
}

expect_absent() {  # DESCRIPTION KIND NAME NAMESPACE
  local description=$1 kind=$2 name=$3 ns=$4
  check "$description" || return 0
  if kexists "$kind" "$name" "$ns"; then
    fail "$description: $kind ${ns:+$ns/}$name is still there, $(why_still_there "$kind" "$name" "$ns")"
  fi
}

# why_still_there KIND NAME NAMESPACE: orphaned, or stuck in deletion on a finalizer
# (whose controller the same step may have removed).
why_still_there() {
  local fields deleting finalizers
  fields=$(kfield "$1" "$2" "$3" '{.metadata.deletionTimestamp}|{.metadata.finalizers}')
  IFS='|' read -r deleting finalizers <<<"$fields"
  if [ -n "$deleting" ]; then
    printf 'stuck in deletion since %s on finalizers %s' "$deleting" "${finalizers:-?}"
  else
    printf 'not being deleted: orphaned'
  fi
}

expect_deployments_present() {  # COMPONENT
  local component=$1 ns deployments name
  component_info "$component"
  ns=$COMPONENT_NS deployments=$COMPONENT_DEPLOYMENTS
  check "$component is on: Deployments $deployments in $ns" || return 0
  for name in $deployments; do
    kexists deployment.apps "$name" "$ns" || fail "$component is on but Deployment $ns/$name does not exist"
  done
}

expect_deployments_gone() {  # COMPONENT
  local component=$1 ns deployments name others
  component_info "$component"
  ns=$COMPONENT_NS deployments=$COMPONENT_DEPLOYMENTS
  check "$component is off: Deployments $deployments gone from $ns" || return 0
  for name in $deployments; do
    if kexists deployment.apps "$name" "$ns"; then fail "$component is off but Deployment $ns/$name is still there"; fi
  done
  # Anything else left there (Envoy's proxy Deployments belong to the controller,
  # not to the release) is reported, not failed: the contracts do not cover it.
  others=$(kget deployments.apps -n "$ns" -o name | tr '\n' ' ')
  [ -z "$others" ] || warn "$component is off; still in $ns: $others"
}
