# shellcheck shell=bash disable=SC2034  # variables shared with the other files run.sh sources
# The routes a user takes to put dot-apps on a cluster (issue 11, "What to
# deliver"), each as two functions the scenarios call:
#   deploy_<route> install|upgrade PROFILE [KEY=VALUE]...   the release in the given state
#   uninstall_<route>
# Every upgrade states the whole target (profile plus --set), never --reuse-values,
# so a step does not depend on how the previous one ended. A function returns
# non-zero when the route's own command failed; the scenario reports it.

ALL_ROUTES=(helm4 helmfile driver-helm4 driver-helm3 helm3 gitops)

route_title() {
  case $1 in
    helm4) echo "A. Helm 4, plain helm with the dotk8s-post plugin (README \"With Helm 4\")" ;;
    helmfile) echo "A. helmfile with examples/helmfile/helmfile.yaml and Helm 4" ;;
    driver-helm4) echo "B. the driver with Helm 4 (dotk8s install/upgrade/uninstall --helm HELM4)" ;;
    driver-helm3) echo "B. the driver with Helm 3 (dotk8s install/upgrade/uninstall --helm HELM3)" ;;
    helm3) echo "C. plain Helm 3 as the README says (dotk8s crds apply, then helm -f values/helm3.yaml)" ;;
    gitops) echo "D. GitOps: dotk8s template | kubectl apply --server-side, twice; pruning and deleting as Argo CD does" ;;
  esac
}

route_function() { ROUTE_FUNCTION="$1_${2//-/_}"; }  # deploy driver-helm4 -> deploy_driver_helm4

route_release_namespace() {
  case $1 in
    driver-helm3 | helm3) echo envoy-gateway-system ;;  # Helm 3: the release lives with Envoy Gateway's hooks
    *) echo dot-system ;;
  esac
}

route_needs_helm3() { [ "$1" = driver-helm3 ] || [ "$1" = helm3 ]; }
route_needs_helm4() { ! route_needs_helm3 "$1"; }

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
    -n dot-system "${create[@]}" -f "$CHART/values/$profile.yaml" "${SET_FLAGS[@]}" \
    --post-renderer dotk8s-post --post-renderer-args "--crds=$CHART/charts"
}

uninstall_helm4() {
  run_cmd helm-uninstall env HELM_PLUGINS="$HELM4_PLUGINS" "$HELM4" uninstall dot-apps -n dot-system
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
  run_cmd "dotk8s-$verb" "$DOTK8S" "$verb" --helm "$helm" --kubectl "$KUBECTL" --profile "$profile" "${SET_FLAGS[@]}"
}

deploy_driver_helm4() { driver_deploy "$HELM4" "$@"; }
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
    -f "$CHART/values/helm3.yaml" "${SET_FLAGS[@]}" --post-renderer dotk8s-post
}

uninstall_helm3() {
  run_cmd helm3-uninstall env HELM_PLUGINS="$HELM3_PLUGINS" "$HELM3" uninstall dot-apps -n envoy-gateway-system
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
  local api kind ns name sync_options policy argo_hook helm_hook
  while IFS='|' read -r api kind ns name sync_options policy argo_hook helm_hook; do
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
# apiVersion|kind|namespace|name|sync-options|resource-policy|argocd hook|helm hook.
gitops_list_objects() {
  local dir=${1%.yaml}.d out=$2
  local path='{range .items[*]}{.apiVersion}{"|"}{.kind}{"|"}{.metadata.namespace}{"|"}{.metadata.name}{"|"}'
  path+='{.metadata.annotations.argocd\.argoproj\.io/sync-options}{"|"}{.metadata.annotations.helm\.sh/resource-policy}{"|"}'
  path+='{.metadata.annotations.argocd\.argoproj\.io/hook}{"|"}{.metadata.annotations.helm\.sh/hook}{"\n"}{end}'
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
  local api kind ns name sync_options policy argo_hook helm_hook key
  while IFS='|' read -r api kind ns name sync_options policy argo_hook helm_hook; do
    [ -n "$kind" ] || continue
    key=$(printf '%s|%s|%s|%s' "$api" "$kind" "$ns" "$name" | sed 's#^\([^|/]*\)/[^|]*|#\1|#')
    grep -q -x -F -e "$key" "$keep_keys" && continue
    [ -z "$argo_hook$helm_hook" ] || continue
    case ",${sync_options// /}," in *,Prune=false,*) continue ;; esac
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
