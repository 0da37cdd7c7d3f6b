# shellcheck shell=bash disable=SC2034  # variables shared with the other files run.sh sources
# Gateway API CRDs another team manages (crd_ownership.h): the driver never
# takes them over without --take-over-crds. One scenario on an empty cluster
# (no dot-apps, no Gateway API CRDs), for a driver route (driver-helm4 or
# driver-helm3):
#   1. another team (field manager another-team) applies Traefik's
#      standard-channel Gateway API bundle without its ReferenceGrant CRD:
#      `dotk8s install --profile gateway` refuses (exit 2) naming the CRDs, the
#      owner, what is missing and the flag, and changes nothing (the CRDs'
#      bundle annotations and field managers, the namespaces, no release);
#   2. the team applies the whole bundle (v1.4.0, standard): install goes
#      through and leaves the bundle alone, says so, and verify reports it ok;
#   3. `dotk8s upgrade --profile gateway --take-over-crds`: Envoy Gateway's
#      experimental bundle replaces it, and it says so.
# The bundle comes from the Traefik archive of the chart the suite deploys
# (crds/gateway-standard-install.yaml, upstream and stand-in alike).

FOREIGN_CRD_MANAGER=another-team
FOREIGN_CRD_BUNDLE_NAMES=(backendtlspolicies gatewayclasses gateways grpcroutes httproutes referencegrants)

# foreign_crd_state NAME...: one line per CRD of the Gateway API group:
# name|bundle-version|channel|the field managers owning spec fields ("-" when absent).
foreign_crd_state() {
  local name crd json
  for name in "$@"; do
    crd="$name.gateway.networking.k8s.io"
    json=$(kget crd "$crd" --show-managed-fields -o json)
    if [ -z "$json" ]; then
      printf '%s|-|-|-\n' "$crd"
      continue
    fi
    printf '%s' "$json" | jq -r '"\(.metadata.name)|\(.metadata.annotations["gateway.networking.k8s.io/bundle-version"] // "")|\(.metadata.annotations["gateway.networking.k8s.io/channel"] // "")|\([.metadata.managedFields[]? | select(.fieldsV1["f:spec"]) | .manager] | unique | join(","))"'
  done
}

# foreign_crd_bundle DIR: DIR/standard.yaml (Traefik's bundle) and
# DIR/standard-without-referencegrants.yaml (the same, one CRD short).
foreign_crd_bundle() {
  local dir=$1 archives archive
  archives=("$CHART"/charts/traefik-*.tgz)
  archive=${archives[0]}
  [ -f "$archive" ] || { fail "no Traefik archive in $CHART/charts"; return 1; }
  tar -xzOf "$archive" traefik/crds/gateway-standard-install.yaml >"$dir/standard.yaml" ||
    { fail "$archive has no traefik/crds/gateway-standard-install.yaml"; return 1; }
  # Documents split on `---` lines; the one naming the ReferenceGrant CRD left out.
  awk 'BEGIN { RS = "\n---\n"; ORS = "\n---\n" } !/\n  name: referencegrants\.gateway\.networking\.k8s\.io\n/' \
    "$dir/standard.yaml" >"$dir/standard-without-referencegrants.yaml"
}

# scenario_foreign_crds ROUTE
scenario_foreign_crds() {
  local route=$1 helm dir before="" after rc line
  helm=$(route_helm "$route")
  dir=$WORK/foreign-crds
  [ "$PRINT_ONLY" = 1 ] || mkdir -p "$dir"
  local driver=("$DOTK8S" --helm "$helm" --kubectl "$KUBECTL" --profile gateway)
  if [ "$PRINT_ONLY" != 1 ]; then foreign_crd_bundle "$dir" || return 1; fi

  # 1. An incompatible bundle: refused, nothing changed.
  run_cmd another-team-partial "$KUBECTL" apply --server-side --field-manager="$FOREIGN_CRD_MANAGER" \
    -f "$dir/standard-without-referencegrants.yaml" || return 1
  if check "the driver refuses another team's bundle without ReferenceGrant, before anything changes"; then
    before=$(foreign_crd_state "${FOREIGN_CRD_BUNDLE_NAMES[@]}"; kget namespaces -o name)
  fi
  rc=0
  run_cmd install-refused "${driver[0]}" install "${driver[@]:1}" || rc=$?
  if [ "$PRINT_ONLY" != 1 ]; then
    [ "$rc" = 2 ] || fail "dotk8s install over an incompatible foreign bundle: exit $rc, expected 2 (refused)"
    local said needle
    said=$(cat "$LAST_CMD_LOG.err")
    for needle in "error: not changing CRDs another owner manages: the Gateway API CRDs" \
      "are managed by field manager $FOREIGN_CRD_MANAGER and hold v1.4.0 standard channel" \
      "referencegrants.gateway.networking.k8s.io (ReferenceGrant) is missing" "--take-over-crds"; do
      [[ $said == *"$needle"* ]] || fail "the refusal does not say \"$needle\""
    done
    after=$(foreign_crd_state "${FOREIGN_CRD_BUNDLE_NAMES[@]}"; kget namespaces -o name)
    [ "$before" = "$after" ] || fail "the refused install changed the cluster: $(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | tr '\n' ' ')"
    [ -z "$(HELM_PLUGINS="$HELM3_PLUGINS" "$helm" list -A -q 2>/dev/null)" ] || fail "the refused install left a Helm release"
  fi

  # 2. The whole standard bundle: compatible, left alone, said.
  run_cmd another-team-standard "$KUBECTL" apply --server-side --field-manager="$FOREIGN_CRD_MANAGER" \
    -f "$dir/standard.yaml" || return 1
  run_cmd install "${driver[0]}" install "${driver[@]:1}" || return 1
  if check "the install left another team's standard bundle alone and said so"; then
    [[ $(cat "$LAST_CMD_LOG.err") == *"Gateway API CRDs v1.4.0 standard channel, managed by field manager $FOREIGN_CRD_MANAGER: left alone"* ]] ||
      fail "the install does not say it left the standard bundle alone"
    while IFS= read -r line; do
      [ "${line#*|}" = "v1.4.0|standard|$FOREIGN_CRD_MANAGER" ] || fail "Gateway API CRD changed by the install: $line"
    done < <(foreign_crd_state "${FOREIGN_CRD_BUNDLE_NAMES[@]}")
    [ "$(foreign_crd_state tcproutes)" = "tcproutes.gateway.networking.k8s.io|-|-|-" ] ||
      fail "the install added Envoy Gateway's TCPRoute CRD beside the other team's bundle"
  fi
  rc=0
  run_cmd verify "$DOTK8S" verify --helm "$helm" --kubectl "$KUBECTL" || rc=$?
  if check "verify reports the standard bundle as ok"; then
    grep -q '^ok    Gateway API CRDs: 6 CRDs, bundle-version v1.4.0, channel standard (not the v1.4.1 experimental' \
      "$LAST_CMD_LOG.out" || fail "verify does not report the other team's bundle as ok (exit $rc)"
  fi

  # 3. Taken over with the flag.
  run_cmd upgrade-take-over "${driver[0]}" upgrade "${driver[@]:1}" --take-over-crds || return 1
  if check "--take-over-crds applies Envoy Gateway's experimental bundle over the other team's"; then
    [[ $(cat "$LAST_CMD_LOG.err") == *"--take-over-crds: applying "*"Gateway API bundle v1.4.1 experimental channel over 6 CRDs managed by field manager $FOREIGN_CRD_MANAGER (v1.4.0 standard channel)"* ]] ||
      fail "the upgrade does not say it took the bundle over"
    while IFS= read -r line; do
      case $line in
        *"|v1.4.1|experimental|"*dotk8s*) ;;
        *) fail "Gateway API CRD not taken over: $line" ;;
      esac
    done < <(foreign_crd_state "${FOREIGN_CRD_BUNDLE_NAMES[@]}" tcproutes)
  fi
}
