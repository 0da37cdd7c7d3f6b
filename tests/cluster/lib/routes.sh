# shellcheck shell=bash disable=SC2034  # variables shared with the other files run.sh sources
# The routes a user takes to put dot-apps on a cluster (issue 11, "What to
# deliver"), each as two functions the scenarios call:
#   deploy_<route> install|upgrade PROFILE [KEY=VALUE]...   the release in the given state
#   uninstall_<route>
# Every upgrade states the whole target (profile plus --set), never --reuse-values,
# so a step does not depend on how the previous one ended. A function returns
# non-zero when the route's own command failed; the scenario reports it.

ALL_ROUTES=(helm4 helmfile driver-helm4 driver-helm3 helm3 gitops migrate-helm3 migrate-driver migrate-csa interrupt
  foreign-crds foreign-keda)

route_title() {
  case $1 in
    helm4) echo "A. Helm 4, plain helm with the dotk8s-post plugin (README \"With Helm 4\")" ;;
    helmfile) echo "A. helmfile with examples/helmfile/helmfile.yaml and Helm 4" ;;
    driver-helm4) echo "B. the driver with Helm 4 (dotk8s install/upgrade/uninstall --helm HELM4)" ;;
    driver-helm3) echo "B. the driver with Helm 3 (dotk8s install/upgrade/uninstall --helm HELM3)" ;;
    helm3) echo "C. plain Helm 3 as the README says (dotk8s crds apply, then helm -f values/helm3.yaml)" ;;
    gitops) echo "D. GitOps: dotk8s template | kubectl apply --server-side, twice; pruning and deleting as Argo CD does" ;;
    migrate-helm3) echo "E. from Helm 3 to Helm 4: installed as C (plain Helm 3), then plain Helm 4 upgrades with the same values" ;;
    migrate-driver) echo "E. from Helm 3 to Helm 4 through the driver: dotk8s install --helm HELM3, then dotk8s upgrade --helm HELM4" ;;
    migrate-csa) echo "E. client-side to server-side: helm install --server-side=false (Helm 4), then default upgrades" ;;
    foreign-crds) echo "G. a shared cluster: another team's Gateway API CRDs (standard channel, another field manager); the driver with Helm 4 (lib/foreign_crds.sh)" ;;
    foreign-keda) echo "G. a shared cluster: another team's KEDA in namespace keda; dotk8s verify takes what is on from the release; the driver with Helm 4 (lib/foreign.sh)" ;;
    interrupt) echo "F. interrupted operations: dotk8s install/upgrade --helm HELM4 killed at several points, the API server restarted under it; the rerun recovers (lib/interrupt.sh)" ;;
  esac
}

route_function() { ROUTE_FUNCTION="$1_${2//-/_}"; }  # deploy driver-helm4 -> deploy_driver_helm4

route_release_namespace() {
  case $1 in
    # Helm 3: the release lives with Envoy Gateway's hooks; a migrated one stays there.
    driver-helm3 | helm3 | migrate-helm3 | migrate-driver) echo envoy-gateway-system ;;
    *) echo dot-system ;;
  esac
}

route_needs_helm3() { case $1 in driver-helm3 | helm3 | migrate-helm3 | migrate-driver) return 0 ;; esac; return 1; }
route_needs_helm4() { case $1 in driver-helm3 | helm3) return 1 ;; esac; return 0; }

# Extra arguments the next deploy passes to helm (--rollback-on-failure,
# --server-side=false) or to the driver; a scenario sets them for one command.
HELM_EXTRA_ARGS=()
HELM4_VALUE_FILES=()

set_flags() {  # KEY=VALUE... -> the global array SET_FLAGS (--set KEY=VALUE ...)
  SET_FLAGS=()
  local pair
  for pair in "$@"; do SET_FLAGS+=(--set "$pair"); done
}

# dotk8s crds apply "with the same profile": the flags are passed when this
# build's `crds` command takes them (issue 11 adds them; older builds apply the
# crds/ CRDs of every chart and leave KEDA's templated ones to Helm).
# The Helm given decides the release namespace the templated CRDs are marked
# for (Helm 3: envoy-gateway-system, with the helm3 profile), as for install.
crds_apply() {  # HELM PROFILE [KEY=VALUE]...
  local helm=$1 profile=$2
  shift 2
  local selection=()
  if [ "$CRDS_APPLY_TAKES_PROFILE" = 1 ]; then
    set_flags "$@"
    selection=(--helm "$helm" --profile "$profile" "${SET_FLAGS[@]}")
  fi
  run_cmd crds-apply "$DOTK8S" crds apply --kubectl "$KUBECTL" "${selection[@]}"
}

# --- A. Helm 4 plain -----------------------------------------------------------
deploy_helm4() {
  local verb=$1 profile=$2
  shift 2
  set_flags "$@"
  local create=()
  [ "$verb" = install ] && create=(--create-namespace)
  run_cmd "helm-$verb" env HELM_PLUGINS="$HELM4_PLUGINS" "$HELM4" "$verb" dot-apps "$CHART" \
    -n "$RELEASE_NAMESPACE" "${create[@]}" -f "$CHART/values/$profile.yaml" "${HELM4_VALUE_FILES[@]}" "${SET_FLAGS[@]}" \
    "${HELM_EXTRA_ARGS[@]}" --post-renderer dotk8s-post --post-renderer-args "--crds=$CHART/charts"
}

uninstall_helm4() {
  run_cmd helm-uninstall env HELM_PLUGINS="$HELM4_PLUGINS" "$HELM4" uninstall dot-apps -n "$RELEASE_NAMESPACE"
}

# --- A. helmfile ----------------------------------------------------------------
# As the example's header says: `dotk8s crds apply` before syncing (helmfile
# applies no CRDs server-side). Run from the example's directory, where its
# relative paths (the chart, --crds=../../charts/dot-apps/charts) hold: with
# the stand-in charts, a copy of the example beside the chart's copy
# (HELMFILE_DIR, run.sh's choose_chart).
deploy_helmfile() {
  local verb=$1 profile=$2
  shift 2
  crds_apply "$HELM4" "$profile" "$@" || return 1
  local args=(--file helmfile.yaml --helm-binary "$HELM4" --skip-deps sync)
  # The example's values are the autoscaling profile; other profiles are laid over it.
  [ "$profile" = autoscaling ] || args+=(--values "$(absolute "$CHART")/values/$profile.yaml")
  set_flags "$@"
  local rc=0
  RUN_DIR=$HELMFILE_DIR
  run_cmd "helmfile-sync-$verb" env HELM_PLUGINS="$HELM4_PLUGINS" "${HELMFILE:-helmfile}" "${args[@]}" "${SET_FLAGS[@]}" || rc=$?
  RUN_DIR=""
  return "$rc"
}

uninstall_helmfile() {
  local rc=0
  RUN_DIR=$HELMFILE_DIR
  run_cmd helmfile-destroy env HELM_PLUGINS="$HELM4_PLUGINS" "${HELMFILE:-helmfile}" --file helmfile.yaml \
    --helm-binary "$HELM4" --skip-deps destroy || rc=$?
  RUN_DIR=""
  return "$rc"
}

# --- B. the driver ----------------------------------------------------------------
driver_deploy() {  # HELM VERB PROFILE [KEY=VALUE]...
  local helm=$1 verb=$2 profile=$3
  shift 3
  set_flags "$@"
  run_cmd "dotk8s-$verb" "$DOTK8S" "$verb" --helm "$helm" --kubectl "$KUBECTL" --profile "$profile" "${SET_FLAGS[@]}" \
    "${HELM_EXTRA_ARGS[@]}"
}

deploy_driver_helm4() { driver_deploy "$HELM4" "$@"; }
deploy_interrupt() { driver_deploy "$HELM4" "$@"; }  # the interrupted-operations route is the driver's with Helm 4
uninstall_interrupt() { uninstall_driver_helm4; }
deploy_foreign_crds() { driver_deploy "$HELM4" "$@"; }
uninstall_foreign_crds() { uninstall_driver_helm4; }
deploy_foreign_keda() { driver_deploy "$HELM4" "$@"; }
uninstall_foreign_keda() { uninstall_driver_helm4; }
deploy_driver_helm3() { driver_deploy "$HELM3" "$@"; }
uninstall_driver_helm4() { run_cmd dotk8s-uninstall "$DOTK8S" uninstall --helm "$HELM4" --kubectl "$KUBECTL"; }
uninstall_driver_helm3() { run_cmd dotk8s-uninstall "$DOTK8S" uninstall --helm "$HELM3" --kubectl "$KUBECTL"; }

# --- C. plain Helm 3 ----------------------------------------------------------------
# README "With Helm 3": the release in envoy-gateway-system, values/helm3.yaml laid
# over the profile, dotk8s-post from PATH (run.sh puts WORK/bin first), an empty
# HELM_PLUGINS (Helm 3 cannot load Helm 4's plugin), and the CRDs applied first
# because Helm 3 creates a custom resource whose CRD is templated in the release
# only if the CRD is already served.
deploy_helm3() {
  local verb=$1 profile=$2
  shift 2
  crds_apply "$HELM3" "$profile" "$@" || return 1
  set_flags "$@"
  local create=()
  [ "$verb" = install ] && create=(--create-namespace)
  run_cmd "helm3-$verb" env HELM_PLUGINS="$HELM3_PLUGINS" "$HELM3" "$verb" dot-apps "$CHART" \
    -n envoy-gateway-system "${create[@]}" -f "$CHART/values/$profile.yaml" \
    -f "$CHART/values/helm3.yaml" "${SET_FLAGS[@]}" "${HELM_EXTRA_ARGS[@]}" --post-renderer dotk8s-post
}

uninstall_helm3() {
  run_cmd helm3-uninstall env HELM_PLUGINS="$HELM3_PLUGINS" "$HELM3" uninstall dot-apps -n envoy-gateway-system
}

# --- E. migrations (issue 19) -------------------------------------------------------
# A release Helm 3 wrote (or Helm 4 client-side, --server-side=false) is upgraded
# by Helm 4 client-side (--server-side=auto follows the last revision), where
# creating an object that exists fails. Each starts as its own first route does
# and goes on with Helm 4, the same values, the release where it is.
deploy_migrate_helm3() {  # install: route C; then plain Helm 4 with the same values files
  if [ "$1" = install ]; then
    deploy_helm3 "$@"
    return
  fi
  HELM4_VALUE_FILES=(-f "$CHART/values/helm3.yaml")
  local rc=0
  deploy_helm4 "$@" || rc=$?
  HELM4_VALUE_FILES=()
  return "$rc"
}
uninstall_migrate_helm3() { uninstall_helm4; }

deploy_migrate_driver() {  # install: dotk8s --helm HELM3; then dotk8s --helm HELM4 on the same release
  if [ "$1" = install ]; then
    driver_deploy "$HELM3" "$@"
    return
  fi
  HELM_EXTRA_ARGS=(-n "$RELEASE_NAMESPACE")
  local rc=0
  driver_deploy "$HELM4" "$@" || rc=$?
  HELM_EXTRA_ARGS=()
  return "$rc"
}
uninstall_migrate_driver() {
  run_cmd dotk8s-uninstall "$DOTK8S" uninstall --helm "$HELM4" --kubectl "$KUBECTL" -n "$RELEASE_NAMESPACE"
}

deploy_migrate_csa() {  # install: Helm 4 client-side; then Helm 4's defaults
  [ "$1" = install ] && HELM_EXTRA_ARGS=(--server-side=false)
  local rc=0
  deploy_helm4 "$@" || rc=$?
  HELM_EXTRA_ARGS=()
  return "$rc"
}
uninstall_migrate_csa() { uninstall_helm4; }

# rollback_route ROUTE REVISION: the route's rollback. Plain Helm (helmfile has
# none of its own: the release is Helm 4's) or, when this build has it,
# `dotk8s rollback`.
rollback_route() {
  local route=$1 revision=$2
  case $route in
    driver-helm4 | driver-helm3)
      local helm=$HELM4
      [ "$route" = driver-helm3 ] && helm=$HELM3
      if [ "$HAVE_DOTK8S_ROLLBACK" = 1 ]; then
        run_cmd dotk8s-rollback "$DOTK8S" rollback "$revision" --helm "$helm" --kubectl "$KUBECTL" -n "$RELEASE_NAMESPACE"
      else
        run_cmd helm-rollback env HELM_PLUGINS="$HELM3_PLUGINS" "$helm" rollback dot-apps "$revision" -n "$RELEASE_NAMESPACE"
      fi
      ;;
    helm3) run_cmd helm3-rollback env HELM_PLUGINS="$HELM3_PLUGINS" "$HELM3" rollback dot-apps "$revision" -n "$RELEASE_NAMESPACE" ;;
    *) run_cmd helm-rollback env HELM_PLUGINS="$HELM4_PLUGINS" "$HELM4" rollback dot-apps "$revision" -n "$RELEASE_NAMESPACE" ;;
  esac
}

# --- D. GitOps ------------------------------------------------------------------------
# What the Argo CD example's plugin prints, applied with kubectl: apply, wait for
# the CRDs, apply again; the second apply must succeed (kubectl maps every
# document before applying any, so a custom resource whose CRD is in the same
# stream may fail the first time). Argo CD's own behaviour is emulated where a
# kubectl apply has none: on a change, objects of the previous stream that are
# missing from the new one are pruned unless annotated
# argocd.argoproj.io/sync-options Prune=false (Argo CD's prune ignores
# helm.sh/resource-policy: keep, argoproj/argo-cd#17819); on uninstall (deleting
# the Application) every object is deleted unless Delete=false or
# helm.sh/resource-policy: keep (argoproj/argo-cd#13157); hooks are neither.
GITOPS_RENDERS=0
GITOPS_LAST_STREAM=""

deploy_gitops() {
  local verb=$1 profile=$2
  shift 2
  set_flags "$@"
  GITOPS_RENDERS=$((GITOPS_RENDERS + 1))
  local stream="$WORK/gitops/stream-$GITOPS_RENDERS.yaml"
  run_cmd_to "$stream" template "$DOTK8S" template --helm "$HELM4" --profile "$profile" "${SET_FLAGS[@]}" || return 1
  split_stream "$stream"
  if ! run_cmd apply-first "$KUBECTL" apply --server-side -f "$stream"; then
    note "the first apply failed (a custom resource whose CRD is in the same stream fails until the CRD is served); the second must succeed"
  fi
  run_cmd wait-crds "$KUBECTL" wait --for=condition=Established crd --all --timeout=180s || return 1
  if ! run_cmd apply-second "$KUBECTL" apply --server-side -f "$stream"; then
    note "the stream did not converge: the second kubectl apply --server-side failed"
    return 1
  fi
  if [ "$verb" = upgrade ] && [ -n "$GITOPS_LAST_STREAM" ]; then
    gitops_prune "$GITOPS_LAST_STREAM" "$stream" || return 1
  fi
  GITOPS_LAST_STREAM=$stream
}

uninstall_gitops() {
  local stream=$GITOPS_LAST_STREAM
  [ "$PRINT_ONLY" = 1 ] && stream="$WORK/gitops/stream-$GITOPS_RENDERS.yaml"
  [ -n "$stream" ] || return 0
  local listing="$WORK/gitops/live-last.txt"
  gitops_list_objects "$stream" "$listing"
  if [ "$PRINT_ONLY" = 1 ]; then
    say "   # then kubectl delete --wait=false each listed object, except hooks and those annotated Delete=false or helm.sh/resource-policy: keep"
    GITOPS_LAST_STREAM=""
    return 0
  fi
  local victims="$WORK/gitops/delete.txt"
  : >"$victims"
  local api kind ns name sync_options policy argo_hook helm_hook _compare _flux_prune
  while IFS='|' read -r api kind ns name sync_options policy argo_hook helm_hook _compare _flux_prune; do
    [ -n "$kind" ] || continue
    [ -z "$argo_hook$helm_hook" ] || continue
    case ",${sync_options// /}," in *,Delete=false,*) continue ;; esac
    [ "$policy" = keep ] && continue
    printf '%s|%s\n' "$ns" "$(resource_ref "$api" "$kind" "$name")" >>"$victims"
  done <"$listing"
  GITOPS_LAST_STREAM=""
  delete_refs "$victims" gitops-delete
}

# split_stream STREAM: its documents one file each in STREAM.d/ (stream-N.d for
# stream-N.yaml). kubectl get/delete -f on a single file stop at the first kind
# they cannot map (a CRD deleted since); on a directory they report it and go on.
split_stream() {
  [ "$PRINT_ONLY" = 1 ] && return 0
  local dir=${1%.yaml}.d
  rm -rf "$dir"
  mkdir -p "$dir"
  awk -v dir="$dir" '/^---/ {if (file != "") close(file); n++; file = ""; next}
    {if (file == "") file = sprintf("%s/%04d.yaml", dir, n); print > file}' "$1"
}

# gitops_list_objects STREAM OUT: the live objects of a stream, one line each:
# apiVersion|kind|namespace|name|sync-options|resource-policy|argocd hook|helm hook|
# argocd compare-options|flux prune.
gitops_list_objects() {
  local dir=${1%.yaml}.d out=$2
  local path='{range .items[*]}{.apiVersion}{"|"}{.kind}{"|"}{.metadata.namespace}{"|"}{.metadata.name}{"|"}'
  path+='{.metadata.annotations.argocd\.argoproj\.io/sync-options}{"|"}{.metadata.annotations.helm\.sh/resource-policy}{"|"}'
  path+='{.metadata.annotations.argocd\.argoproj\.io/hook}{"|"}{.metadata.annotations.helm\.sh/hook}{"|"}'
  path+='{.metadata.annotations.argocd\.argoproj\.io/compare-options}{"|"}{.metadata.annotations.kustomize\.toolkit\.fluxcd\.io/prune}{"\n"}{end}'
  if ! run_cmd_to "$out" list-objects "$KUBECTL" get -f "$dir" --ignore-not-found -o "jsonpath=$path"; then
    note "kubectl could not read every object of $dir (its log says which); the others are listed"
  fi
}

gitops_prune() {  # PREVIOUS_STREAM NEW_STREAM
  local previous=$1 current=$2
  local before="$WORK/gitops/live-before.txt" after="$WORK/gitops/live-after.txt"
  gitops_list_objects "$previous" "$before"
  gitops_list_objects "$current" "$after"
  if [ "$PRINT_ONLY" = 1 ]; then
    say "   # then kubectl delete --wait=false each object of the previous stream missing from this one, except hooks and those annotated Prune=false"
    return 0
  fi
  local keep_keys="$WORK/gitops/keys-after.txt" victims="$WORK/gitops/prune.txt"
  cut -d'|' -f1-4 "$after" | sed 's#^\([^|/]*\)/[^|]*|#\1|#' >"$keep_keys"  # group/version -> group
  : >"$victims"
  local api kind ns name sync_options policy argo_hook helm_hook compare flux_prune key
  while IFS='|' read -r api kind ns name sync_options policy argo_hook helm_hook compare flux_prune; do
    [ -n "$kind" ] || continue
    key=$(printf '%s|%s|%s|%s' "$api" "$kind" "$ns" "$name" | sed 's#^\([^|/]*\)/[^|]*|#\1|#')
    grep -q -x -F -e "$key" "$keep_keys" && continue
    [ -z "$argo_hook$helm_hook" ] || continue
    case ",${sync_options// /}," in
      *,Prune=false,*)
        # Kept, it is extraneous now: Argo CD counts it as "requires pruning" (the
        # Application OutOfSync, `argocd app sync --prune` exits non-zero,
        # argoproj/argo-cd#8134) unless it says IgnoreExtraneous; Flux's
        # kustomize-controller prunes it unless it says prune: disabled.
        case ",${compare// /}," in
          *,IgnoreExtraneous,*) ;;
          *) fail "$kind $ns/$name is kept (Prune=false) but not IgnoreExtraneous: Argo CD would show the Application OutOfSync" ;;
        esac
        [ "$flux_prune" = disabled ] ||
          fail "$kind $ns/$name is kept from Argo CD's prune but not from Flux's (kustomize.toolkit.fluxcd.io/prune: disabled)"
        continue
        ;;
    esac
    [ "$flux_prune" = disabled ] && fail "$kind $ns/$name is kept from Flux's prune but Argo CD would prune it (no Prune=false)"
    printf '%s|%s\n' "$ns" "$(resource_ref "$api" "$kind" "$name")" >>"$victims"
  done <"$before"
  delete_refs "$victims" gitops-prune
}

# resource_ref API_VERSION KIND NAME: kind.group/name as kubectl takes it.
resource_ref() {
  local api=$1 kind=$2 name=$3 group=""
  [[ $api == */* ]] && group=".${api%/*}"
  printf '%s%s/%s' "$(printf '%s' "$kind" | tr '[:upper:]' '[:lower:]')" "$group" "$name"
}

# delete_refs FILE LABEL: FILE holds namespace|kind.group/name lines; one
# kubectl delete per namespace (cluster-scoped objects have none).
delete_refs() {
  local file=$1 label=$2 ns rc=0
  [ -s "$file" ] || return 0
  local namespaces=() refs=() ref
  while IFS= read -r ns; do namespaces+=("$ns"); done < <(cut -d'|' -f1 "$file" | sort -u)
  for ns in "${namespaces[@]}"; do
    refs=()
    while IFS= read -r ref; do refs+=("$ref"); done < <(awk -F'|' -v ns="$ns" '$1 == ns {print $2}' "$file")
    if [ -z "$ns" ]; then
      run_cmd "$label" "$KUBECTL" delete --ignore-not-found --wait=false "${refs[@]}" || rc=1
    else
      run_cmd "$label" "$KUBECTL" delete -n "$ns" --ignore-not-found --wait=false "${refs[@]}" || rc=1
    fi
  done
  return "$rc"
}
