# shellcheck shell=bash disable=SC2034  # variables shared with the other files run.sh sources
# Back to an empty cluster after each route, also when a step failed or the run
# was interrupted (run.sh calls cleanup_route from its EXIT trap), and for
# `run.sh --cleanup`. The product keeps CRDs and namespaces on purpose; deleting
# them is only right because the cluster is a throwaway one (run.sh's guard),
# so that the next route starts where a new user starts.

# The API groups of the CRDs the five charts bring.
SUITE_CRD_GROUPS=(gateway.networking.k8s.io gateway.networking.x-k8s.io gateway.envoyproxy.io
  keda.sh eventing.keda.sh http.keda.sh monitoring.coreos.com traefik.io hub.traefik.io traefik.containo.us)
# The namespaces the suite's installs and tenants make (never default or kube-system).
SUITE_OWN_NAMESPACES=(dot-system envoy-gateway-system keda prometheus-system traefik team-a)
# Cluster-scoped kinds the charts create outside any namespace, with where each
# names a Service (an APIService or webhook left pointing into a deleted namespace
# breaks discovery and blocks namespace deletion, so those go first).
CLUSTER_KINDS_FIRST=(apiservices.apiregistration.k8s.io mutatingwebhookconfigurations.admissionregistration.k8s.io
  validatingwebhookconfigurations.admissionregistration.k8s.io)
CLUSTER_KINDS_LAST=(clusterroles.rbac.authorization.k8s.io clusterrolebindings.rbac.authorization.k8s.io
  ingressclasses.networking.k8s.io priorityclasses.scheduling.k8s.io)

suite_crds() {  # the CRDs of SUITE_CRD_GROUPS in the cluster, one name a line
  local name
  kget customresourcedefinitions -o 'jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}' |
    while IFS= read -r name; do
      if contains_word "${name#*.}" "${SUITE_CRD_GROUPS[@]}"; then printf '%s\n' "$name"; fi
    done
  return 0
}

existing_suite_namespaces() {
  local name
  kget namespaces -o 'jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}' |
    while IFS= read -r name; do
      if contains_word "$name" "${SUITE_OWN_NAMESPACES[@]}"; then printf '%s\n' "$name"; fi
    done
  return 0
}

release_namespaces() {  # namespaces holding a Helm release dot-apps (Helm 3 and 4 store it the same way)
  kget secrets -A -l owner=helm,name=dot-apps -o 'jsonpath={range .items[*]}{.metadata.namespace}{"\n"}{end}' | sort -u
}

# Objects of a cluster-scoped kind that the suite's installs made: marked as the
# release's (labels, Helm's annotation), named as the charts name them, or
# pointing at a Service in one of the suite's namespaces.
suite_cluster_objects() {  # KIND
  local kind=$1 service_path=""
  case $kind in
    apiservices.*) service_path='{.spec.service.namespace}' ;;
    *webhookconfigurations.*) service_path='{.webhooks[*].clientConfig.service.namespace}' ;;
  esac
  local path="{range .items[*]}{.metadata.name}{\"|\"}{.metadata.labels.app\\.kubernetes\\.io/instance}{\"|\"}{.metadata.labels.release}{\"|\"}{.metadata.annotations.meta\\.helm\\.sh/release-name}{\"|\"}$service_path{\"\\n\"}{end}"
  local name instance release annotation services service ours
  kget "$kind" -o "jsonpath=$path" | while IFS='|' read -r name instance release annotation services; do
    [ -n "$name" ] || continue
    ours=0
    case $name in dot-apps-* | keda-* | kube-prometheus-stack-* | envoy-gateway-*) ours=1 ;; esac
    if [ "$instance" = dot-apps ] || [ "$release" = dot-apps ] || [ "$annotation" = dot-apps ]; then ours=1; fi
    for service in $services; do
      if contains_word "$service" "${SUITE_OWN_NAMESPACES[@]}"; then ours=1; fi
    done
    if [ "$ours" = 1 ]; then printf '%s\n' "$name"; fi
  done
  return 0
}

cleanup_route() {  # ROUTE (empty for run.sh --cleanup)
  local route=${1:-}
  local label=${route:-cluster}
  say "-- ${route:-leftovers} cleanup: uninstall, delete the tenants, then (throwaway cluster) the namespaces, CRDs and cluster-wide objects left behind"
  STEP_LOG_DIR="$LOG_ROOT/${route:-cleanup}/99-cleanup"
  STEP_FAIL_FILE="$STEP_LOG_DIR/failures"
  STEP_CHECKS=0
  CMD_INDEX=0
  [ "$PRINT_ONLY" = 1 ] || mkdir -p "$STEP_LOG_DIR"

  if [ "$route" = gitops ]; then
    local documents="$WORK/gitops/stream-$GITOPS_RENDERS.d"
    if [ "$PRINT_ONLY" = 1 ] || [ -d "$documents" ]; then
      run_cmd delete-last-stream "$KUBECTL" delete -f "$documents" --ignore-not-found --wait=false || true
    fi
    run_cmd delete-default-leftovers "$KUBECTL" delete -n default --ignore-not-found --wait=false \
      -l app.kubernetes.io/instance=dot-apps all,configmaps,secrets,serviceaccounts,roles,rolebindings || true
  fi
  uninstall_any_release "$route"
  run_cmd delete-tenants "$KUBECTL" delete -f "$TENANTS_FILE" --ignore-not-found --wait=false || true
  delete_cluster_leftovers

  if [ "$PRINT_ONLY" = 1 ]; then
    if [ -n "$route" ]; then RESULTS["$route|cleanup"]=plan; fi
    return 0
  fi
  local failures
  failures=$(step_failures)
  local result=ok
  if [ "$failures" = 0 ]; then
    say "   ok: the cluster is back to where $label started"
  else
    result=FAIL
    say "   FAIL: the cluster is not clean ($failures problems; logs in $STEP_LOG_DIR); run tests/cluster/run.sh --cleanup, or delete the cluster"
  fi
  if [ -n "$route" ]; then RESULTS["$route|cleanup"]=$result; fi
  return 0
}

uninstall_any_release() {  # ROUTE: helm uninstall wherever a release dot-apps is stored
  local route=$1 helm=$HELM4 plugins=$HELM4_PLUGINS
  if { [ -n "$route" ] && route_needs_helm3 "$route"; } || [ -z "$helm" ]; then
    helm=$HELM3 plugins=$HELM3_PLUGINS
  fi
  if [ "$PRINT_ONLY" = 1 ]; then
    run_cmd helm-uninstall env HELM_PLUGINS="$plugins" "$helm" uninstall dot-apps -n "$(route_release_namespace "$route")" --ignore-not-found
    return 0
  fi
  local ns
  for ns in $(release_namespaces); do
    if [ -n "$helm" ]; then
      run_cmd helm-uninstall env HELM_PLUGINS="$plugins" "$helm" uninstall dot-apps -n "$ns" --ignore-not-found ||
        warn "helm uninstall failed in $ns; deleting what is left by hand"
    fi
  done
}

delete_cluster_leftovers() {
  local crd objects kind refs
  if [ "$PRINT_ONLY" = 1 ]; then
    say "   # (each command below names what it finds; the plan shows their shape)"
    say "   \$ $KUBECTL patch <each custom resource of the CRDs of ${SUITE_CRD_GROUPS[*]} that has finalizers> --type=merge -p '{\"metadata\":{\"finalizers\":null}}'"
    say "   \$ $KUBECTL delete ${CLUSTER_KINDS_FIRST[*]} <those of dot-apps> --ignore-not-found --wait=false"
    run_cmd delete-namespaces "$KUBECTL" delete namespace "${SUITE_OWN_NAMESPACES[@]}" --ignore-not-found --wait=false
    say "   \$ $KUBECTL wait --for=delete namespace/<each one deleted> --timeout=300s"
    say "   \$ $KUBECTL delete customresourcedefinition <each CRD of ${SUITE_CRD_GROUPS[*]}> --ignore-not-found --wait=false"
    say "   \$ $KUBECTL wait --for=delete customresourcedefinition/<each> --timeout=300s"
    say "   \$ $KUBECTL delete ${CLUSTER_KINDS_LAST[*]} <those of dot-apps> --ignore-not-found"
    say "   \$ $KUBECTL delete -n kube-system services,endpoints <kube-prometheus-stack-*> --ignore-not-found"
    check "nothing of the suite is left: no namespace ${SUITE_OWN_NAMESPACES[*]}, no CRD of those groups, no release dot-apps" || true
    return 0
  fi

  # Custom resources whose controller is gone keep their finalizers forever
  # (KEDA's on ScaledObjects, Envoy Gateway's on GatewayClass) and would hold
  # their namespace and CRD in Terminating.
  local finalized='{range .items[?(@.metadata.finalizers)]}{.metadata.namespace}{"|"}{.metadata.name}{"\n"}{end}'
  local ns name
  for crd in $(suite_crds); do
    while IFS='|' read -r ns name; do
      [ -n "$name" ] || continue
      if [ -n "$ns" ]; then
        run_cmd unfinalize "$KUBECTL" patch "$crd" "$name" -n "$ns" --type=merge -p '{"metadata":{"finalizers":null}}' || true
      else
        run_cmd unfinalize "$KUBECTL" patch "$crd" "$name" --type=merge -p '{"metadata":{"finalizers":null}}' || true
      fi
    done < <(kget "$crd" -A -o "jsonpath=$finalized")
  done

  for kind in "${CLUSTER_KINDS_FIRST[@]}"; do
    objects=$(suite_cluster_objects "$kind" | tr '\n' ' ')
    [ -z "$objects" ] && continue
    read -r -a refs <<<"$objects"
    run_cmd "delete-${kind%%.*}" "$KUBECTL" delete "$kind" "${refs[@]}" --ignore-not-found --wait=false || true
  done

  local namespaces
  namespaces=$(existing_suite_namespaces | tr '\n' ' ')
  if [ -n "$namespaces" ]; then
    read -r -a refs <<<"$namespaces"
    run_cmd delete-namespaces "$KUBECTL" delete namespace "${refs[@]}" --ignore-not-found --wait=false || true
    if ! run_cmd wait-namespaces "$KUBECTL" wait --for=delete "${refs[@]/#/namespace/}" --timeout=300s; then
      for ns in "${refs[@]}"; do
        kexists namespace "$ns" || continue
        fail "namespace $ns is stuck in Terminating: $(kfield namespace "$ns" "" '{.status.conditions[?(@.status=="True")].message}')"
      done
    fi
  fi

  local crds
  crds=$(suite_crds | tr '\n' ' ')
  if [ -n "$crds" ]; then
    read -r -a refs <<<"$crds"
    run_cmd delete-crds "$KUBECTL" delete customresourcedefinition "${refs[@]}" --ignore-not-found --wait=false || true
    run_cmd wait-crds "$KUBECTL" wait --for=delete "${refs[@]/#/customresourcedefinition/}" --timeout=300s ||
      fail "CRDs still being deleted after 300 s: $(suite_crds | tr '\n' ' ')"
  fi

  for kind in "${CLUSTER_KINDS_LAST[@]}"; do
    objects=$(suite_cluster_objects "$kind" | tr '\n' ' ')
    [ -z "$objects" ] && continue
    read -r -a refs <<<"$objects"
    run_cmd "delete-${kind%%.*}" "$KUBECTL" delete "$kind" "${refs[@]}" --ignore-not-found || true
  done
  # kube-prometheus-stack's Services for the control plane live in kube-system
  # (and the operator's kubelet Service, which no release owns).
  objects=$(kget services -n kube-system -o 'jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}' |
    grep '^kube-prometheus-stack-' | tr '\n' ' ' || true)
  if [ -n "$objects" ]; then
    read -r -a refs <<<"$objects"
    run_cmd delete-kube-system-services "$KUBECTL" delete -n kube-system services "${refs[@]}" --ignore-not-found || true
    run_cmd delete-kube-system-endpoints "$KUBECTL" delete -n kube-system endpoints "${refs[@]}" --ignore-not-found || true
  fi

  check "nothing of the suite is left: no namespace ${SUITE_OWN_NAMESPACES[*]}, no CRD of those groups, no release dot-apps" || return 0
  local left
  left=$(existing_suite_namespaces | tr '\n' ' ')
  [ -z "$left" ] || fail "namespaces left: $left"
  left=$(suite_crds | tr '\n' ' ')
  [ -z "$left" ] || fail "CRDs left: $left"
  left=$(release_namespaces | tr '\n' ' ')
  [ -z "$left" ] || fail "a release dot-apps is still stored in: $left"
}

# What an earlier, killed run may have left: refused at the start, removed by --cleanup.
leftovers() {
  local left
  left=$(release_namespaces | tr '\n' ' ')
  [ -z "$left" ] || printf 'a Helm release dot-apps in %s\n' "$left"
  left=$(existing_suite_namespaces | tr '\n' ' ')
  [ -z "$left" ] || printf 'namespaces %s\n' "$left"
  left=$(suite_crds | tr '\n' ' ')
  [ -z "$left" ] || printf 'CRDs %s\n' "$left"
  return 0
}
