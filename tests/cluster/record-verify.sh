#!/usr/bin/env bash
# Records, from a real API server, the kubectl lists that `dotk8s verify`'s tests
# replay (tests/driver_verify_test.cc through tests/fakes/kubectl), and renders
# the settings documents those tests give the fake helm. Nothing in
# tests/testdata/verify is written by hand: re-run this after a change to the
# chart, the stand-ins, dotk8s-post or the driver, and review the diff.
#
#   tests/cluster/record-verify.sh                   # everything (about 2 minutes, plus the
#                                                    # control plane's one-time build)
#   tests/cluster/record-verify.sh --settings-only   # only settings-*.yaml, no cluster
#
# Settings: settings-default.yaml and settings-keda-off.yaml are what Helm 4
# renders for `helm template dot-apps CHART -n dot-system --show-only
# templates/dotk8s-settings.yaml [--set apps.keda.enabled=false]`, the call the
# driver makes; DriverVerifySettingsTest compares them byte for byte.
#
# Lists: the script starts its own local control plane
# (tests/cluster/controlplane/start.sh: kube-apiserver, etcd, controller manager,
# scheduler, a KWOK node that runs every pod) in a temporary directory on ports
# from $DOTK8S_CLUSTER_PORT_BASE (default 27443; give another when more than
# one control plane runs on the machine) and stops it on exit. It installs the release as the tests' healthy
# case stands for: `dotk8s install --profile default` (Envoy Gateway, KEDA with
# its HTTP add-on, kube-prometheus-stack; release dot-apps in dot-system), Helm 4,
# on the stand-in charts (as tests/cluster/run.sh does with CHARTS=standin: the
# five upstream charts are not needed). No Envoy Gateway controller runs, so the
# script does what it would do, the way v1.7.0 does it (field manager
# envoy-gateway): the proxy ServiceAccount and Deployment
# envoy-envoy-gateway-system-eg-5391c79d (EG's labels and prometheus.io
# annotations, container ports metrics 19001 and readiness 19003), and the
# Accepted/Programmed conditions of GatewayClass eg and Gateway eg. A team's
# HTTPRoute default/dotk8s-tenant sends traffic to the KEDA interceptor.
#
# Then, with the real kubectl (`kubectl get RESOURCE [-n NS | -A] -o json`; the CRDs as verify
# reads them, the API server's own list through `kubectl get --raw
# /apis/apiextensions.k8s.io/v1/customresourcedefinitions`). verify combines the reads of one
# namespace into one `kubectl get A,B,C -n NS -o json`; the fake joins these per-resource files
# for it, as kubectl lists each type in turn:
#   controller-down              (recorded before the controller's work above) the
#                                controller's pod cannot be scheduled (node cordoned,
#                                pod deleted): its Deployment is not Available, the
#                                Gateway has only the API server's default conditions,
#                                no proxy runs. Undone: uncordon.
#   healthy                      every list verify reads.
#   prometheus-selector-changed  podMonitorSelector patched to release=kube-prometheus-stack.
#   namespace-label-missing      podMonitorNamespaceSelector patched to monitoring=enabled,
#                                only prometheus-system labelled so.
#   proxy-metrics-disabled       the proxy Deployment as EG renders it under an EnvoyProxy
#                                with telemetry.metrics.prometheus.disable (no metrics port).
#   route-without-grant          HTTPRoute team-b/shop to the interceptor, no grant for team-b.
#                                Undone: the route deleted (team-b stays, see below).
#   gateway-api-mixed-bundle     Traefik's standard-channel Gateway API bundle applied
#                                server-side over Envoy Gateway's (field manager
#                                traefik-bundle). Undone: `dotk8s crds apply --take-over-crds`
#                                (traefik-bundle manages part of the CRDs now: without the flag
#                                the driver refuses to change them, crd_ownership.h).
#   grant-missing-service        Service keda/keda-add-ons-http-interceptor-proxy deleted.
#                                Undone: `dotk8s upgrade`.
#   foreign-keda                 (last, not undone) KEDA switched off in the release
#                                (`dotk8s upgrade --set apps.keda.enabled=false`), then
#                                another team's KEDA operator applied into the kept
#                                namespace keda (field manager team-keda, none of Helm's
#                                marks) with its APIService v1beta1.external.metrics.k8s.io:
#                                every list verify reads, and the APIServices the install's
#                                pre-check reads. `dotk8s upgrade` with KEDA on again must
#                                then refuse (exit 2) and change nothing.
# Deployments and APIServices are recorded with --show-managed-fields, as the driver reads
# them (their field managers name the owner of one without Helm's marks); the CRDs carry
# theirs too (the API server's answer has them; verify keeps none of them).
# values-default.json and values-keda-off.json: the `apps` of `helm get values dot-apps
# -n dot-system -a -o json` of the live release (the healthy one, and the one of
# foreign-keda), what verify reads to know which components are on; only `apps` is
# kept (the rest of the computed values is the charts' and holds a password).
# Each case records only the files its directory holds (the test lays them over
# healthy/) and is undone before the next; after each undo `dotk8s verify` on the
# live cluster must report the healthy cluster again (0 warnings, 0 failed).
#
# Normalised (normalise.py below), because they change on every run and would
# make every re-run a diff: uids (derived from kind/namespace/name, so owner
# references still match), resourceVersions ("1"), timestamps
# (2026-01-01T00:00:00Z), the random suffixes of generated names (pods, their
# kube-api-access token volume), cluster and pod IPs (derived from the object's
# name, same network) and the order of a CRD's conditions (sorted by type). CRDs
# lose their openAPIV3Schema: verify reads names, groups, annotations and served
# versions, and the schemas are 12 MB of the charts' own files. Everything else
# is as the server returned it.
#
# Needs: build/dotk8s and build/dotk8s-post (or BUILD=DIR), .tools/helm4/helm,
# .tools/kubectl/kubectl, python3, ../shared/fixtures/upstream (or DOTK8S_SHARED),
# and what tests/cluster/controlplane/start.sh needs. The files are replaced only
# when every case was recorded.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

BUILD=$(cd "${BUILD:-build}" 2>/dev/null && pwd || echo "${BUILD:-build}")
DOTK8S=$BUILD/dotk8s
HELM4=$ROOT/.tools/helm4/helm
KUBECTL=$ROOT/.tools/kubectl/kubectl
SHARED=${DOTK8S_SHARED:-$ROOT/../shared}
TRAEFIK_BUNDLE=$SHARED/fixtures/upstream/crds/traefik-39.0.0/gateway-standard-install.yaml
TESTDATA=$ROOT/tests/testdata/verify
RELEASE_NS=dot-system
EG_NS=envoy-gateway-system
PROXY=envoy-envoy-gateway-system-eg-5391c79d  # EG: "envoy-" + <ns>-<name>-<sha256(ns/name)[:8]>
NODE=dotk8s-node-0                            # the KWOK node start.sh makes
FIELD_MANAGER=record-verify                   # what this script applies for "a team"
CASES=(controller-down healthy prometheus-selector-changed namespace-label-missing proxy-metrics-disabled
  route-without-grant gateway-api-mixed-bundle grant-missing-service foreign-keda)
PORT_BASE=${DOTK8S_CLUSTER_PORT_BASE:-27443}

say() { printf 'record-verify: %s\n' "$*" >&2; }
die() {
  say "error: $1"
  [ -z "${2:-}" ] || printf '  hint: %s\n' "$2" >&2
  exit "${3:-1}"
}

SETTINGS_ONLY=0
case "${1:-}" in
  "") ;;
  --settings-only) SETTINGS_ONLY=1 ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    exit 0 ;;
  *) die "unknown argument: $1" "tests/cluster/record-verify.sh [--settings-only]" 2 ;;
esac
[ "$#" -le 1 ] || die "too many arguments: $*" "tests/cluster/record-verify.sh [--settings-only]" 2

# --- preconditions -------------------------------------------------------------------------
[ -x "$HELM4" ] || die "$HELM4 is missing" "scripts/install-tools.sh (make tools) puts Helm 4.1.4 there" 2
[ -d "$SHARED/fixtures/upstream/crds" ] ||
  die "the shared fixtures are missing ($SHARED/fixtures/upstream/crds): the stand-in charts need their CRDs" \
    "set DOTK8S_SHARED to the directory that holds fixtures/upstream" 2
command -v python3 >/dev/null 2>&1 || die "python3 is not installed" "apt-get install python3" 2
if [ "$SETTINGS_ONLY" = 0 ]; then
  [ -x "$KUBECTL" ] || die "$KUBECTL is missing" "scripts/install-tools.sh (make tools) puts kubectl 1.35 there" 2
  { [ -x "$DOTK8S" ] && [ -x "$BUILD/dotk8s-post" ]; } ||
    die "$DOTK8S or $BUILD/dotk8s-post is not built" "cmake --build build --target dotk8s dotk8s-post (or BUILD=DIR)" 2
  [ -f "$TRAEFIK_BUNDLE" ] || die "$TRAEFIK_BUNDLE is missing" "set DOTK8S_SHARED" 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dotk8s-record-verify.XXXXXX")
CLUSTER_DIR=$WORK/cluster
OUT=$WORK/out
CLUSTER_STARTED=0
finish() {
  local rc=$? keep=0
  if [ "$CLUSTER_STARTED" = 1 ]; then
    DOTK8S_CLUSTER_DIR=$CLUSTER_DIR "$HERE/controlplane/stop.sh" >/dev/null || true
    # Checked, not trusted: WORK holds the pid files, and deleting it would leave
    # a running control plane that nothing can name any more.
    if [ -s "$CLUSTER_DIR/kubeconfig" ] &&
      "$KUBECTL" --kubeconfig "$CLUSTER_DIR/kubeconfig" get --raw=/readyz --request-timeout=3s >/dev/null 2>&1; then
      say "warning: the control plane still runs; stop it: DOTK8S_CLUSTER_DIR=$CLUSTER_DIR tests/cluster/controlplane/stop.sh"
      keep=1
    fi
  fi
  if [ "$rc" = 0 ] && [ "$keep" = 0 ]; then
    rm -rf "$WORK"
  else
    [ "$rc" = 0 ] || say "failed (exit $rc)"
    say "kept: $WORK (logs, what was recorded; the control plane's logs in $CLUSTER_DIR/logs)"
  fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$OUT"
started=$SECONDS

# --- the chart: a copy with the stand-ins packaged in (run.sh's choose_chart, CHARTS=standin) ---
CHART=$WORK/chart/dot-apps
mkdir -p "$WORK/chart"
cp -R charts/dot-apps "$CHART"
rm -f "$CHART"/charts/*.tgz
HELM=$HELM4 DOTK8S_SHARED=$SHARED tests/standin-charts/package.sh "$CHART/charts" >"$WORK/package.log" 2>&1 ||
  die "could not package the stand-in charts: $(tail -n 3 "$WORK/package.log")" "tests/standin-charts/package.sh DIR shows why"
export DOTK8S_CHART=$CHART

# --- the settings documents: the driver's `helm template ... --show-only` call --------------
render_settings() {  # FILE [HELM ARGS...]
  local file=$1
  shift
  # No kubeconfig: helm template must not see a cluster (lookup stays empty, as in the tests).
  KUBECONFIG=/dev/null HELM_PLUGINS=$WORK/no-plugins HELM_CACHE_HOME=$WORK/helm-cache HELM_CONFIG_HOME=$WORK/helm-config \
    HELM_DATA_HOME=$WORK/helm-data "$HELM4" template dot-apps "$CHART" -n "$RELEASE_NS" "$@" \
    --show-only templates/dotk8s-settings.yaml >"$OUT/$file" 2>"$WORK/$file.err" ||
    die "helm template failed for $file: $(cat "$WORK/$file.err")"
}
render_settings settings-default.yaml
render_settings settings-keda-off.yaml --set apps.keda.enabled=false

install_settings() {
  cp "$OUT/settings-default.yaml" "$OUT/settings-keda-off.yaml" "$TESTDATA/"
  say "wrote $TESTDATA/settings-default.yaml, settings-keda-off.yaml"
}
if [ "$SETTINGS_ONLY" = 1 ]; then
  install_settings
  exit 0
fi

# --- the normaliser ------------------------------------------------------------------------
cat >"$WORK/normalise.py" <<'PY'
"""Reads a kubectl get -o json list on stdin, writes it normalised (see the script's header)."""
import hashlib
import json
import re
import sys
import uuid

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
IPV4 = re.compile(r"^(\d+)\.(\d+)\.\d+\.\d+$")
ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # what the API server draws generated names from
# The ServiceAccount admission plugin's token volume, named with 5 random characters.
TOKEN_VOLUME = re.compile(r"^kube-api-access-[a-z0-9]{5}$")


def digest(text):
    return hashlib.sha256(text.encode()).digest()


def stable_uid(identity):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "dotk8s-record-verify/" + identity))


def stable_ip(address, identity):
    match = IPV4.match(address)
    if not match:
        return address
    d = digest(identity)
    return f"{match.group(1)}.{match.group(2)}.{d[0]}.{d[1] % 254 + 1}"


def walk(node, replace, path=()):
    if isinstance(node, dict):
        return {k: walk(v, replace, path + (k,)) for k, v in node.items()}
    if isinstance(node, list):
        return [walk(v, replace, path + (i,)) for i, v in enumerate(node)]
    return replace(node, path)


def suffix(seed):
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest(seed)[:5])


def normalise(item, taken, list_kind):
    meta = item.setdefault("metadata", {})
    # The API server's own lists (kubectl get --raw) name the kind once, on the list.
    kind = item.get("kind") or list_kind.removesuffix("List")
    ns = meta.get("namespace", "")
    names = {}
    generate = meta.get("generateName")
    if generate and meta.get("name", "").startswith(generate) and len(meta["name"]) == len(generate) + 5:
        n = 0
        while True:
            name = generate + suffix(f"{generate}#{n}")
            if (ns, name) not in taken:
                break
            n += 1
        names[meta["name"]] = name
    name = names.get(meta.get("name"), meta.get("name", ""))
    taken.add((ns, name))
    identity = f"{kind}/{ns}/{name}"
    uids = {}
    if "uid" in meta:
        uids[meta["uid"]] = stable_uid(identity)
    for owner in meta.get("ownerReferences", []):
        uids[owner["uid"]] = stable_uid(f"{owner['kind']}/{ns}/{owner['name']}")

    def replace(value, path):
        if not isinstance(value, str):
            return value
        if value in names:
            return names[value]
        if path and path[-1] == "resourceVersion" and value:
            return "1"
        if TOKEN_VOLUME.match(value):
            return "kube-api-access-" + suffix(identity)
        if TIMESTAMP.match(value):
            return "2026-01-01T00:00:00Z"
        if UID.match(value):
            return uids.get(value) or stable_uid(identity + "/" + "/".join(map(str, path)))
        keys = [p for p in path if isinstance(p, str)]
        if keys and keys[-1] in ("clusterIP", "clusterIPs", "podIP", "podIPs", "ip") and "hostIPs" not in keys:
            return stable_ip(value, identity + "/" + "/".join(map(str, path)))
        return value

    item = walk(item, replace)
    if kind == "CustomResourceDefinition":
        for version in item.get("spec", {}).get("versions", []):
            version.pop("schema", None)
        # The API server's CRD controllers add these in whichever order they run.
        conditions = item.get("status", {}).get("conditions")
        if conditions:
            conditions.sort(key=lambda c: c.get("type", ""))
    return item


def main():
    listing = json.load(sys.stdin)
    taken = set()
    items = [normalise(item, taken, listing.get("kind", "")) for item in listing.get("items", [])]
    # kubectl lists by namespace and name; renamed pods keep that order.
    items.sort(key=lambda i: (i["metadata"].get("namespace", ""), i["metadata"].get("name", "")))
    listing["items"] = items
    # The API server's own lists carry the resourceVersion they were read at.
    if listing.get("metadata", {}).get("resourceVersion"):
        listing["metadata"]["resourceVersion"] = "1"
    sys.stdout.write(json.dumps(listing, indent=4, ensure_ascii=False) + "\n")


main()
PY

# --- the cluster ---------------------------------------------------------------------------
say "starting a local control plane in $CLUSTER_DIR"
CLUSTER_STARTED=1
KUBECONFIG=$(DOTK8S_CLUSTER_DIR=$CLUSTER_DIR DOTK8S_CLUSTER_PORT_BASE=$PORT_BASE KUBECTL=$KUBECTL \
  "$HERE/controlplane/start.sh" 2>"$WORK/start.log") ||
  die "the control plane did not start: $(tail -n 20 "$WORK/start.log")"
export KUBECONFIG

k() { "$KUBECTL" --request-timeout=30s "$@"; }
run_logged() {  # LABEL COMMAND...: runs it, its output in WORK/LABEL.log; on failure shows the end
  local label=$1
  shift
  "$@" >"$WORK/$label.log" 2>&1 || die "$label failed: $* (exit $?)
$(tail -n 20 "$WORK/$label.log")"
}
# The driver's plugin directories, dotk8s-post's log and helm's homes stay in WORK. Not
# exported: the control plane's build cache (and Go's) must stay the user's.
driver() {  # dotk8s COMMAND with the release's flags
  local command=$1
  shift
  XDG_STATE_HOME=$WORK/state XDG_DATA_HOME=$WORK/data XDG_CACHE_HOME=$WORK/cache HELM_CACHE_HOME=$WORK/helm-cache \
    HELM_CONFIG_HOME=$WORK/helm-config HELM_DATA_HOME=$WORK/helm-data \
    "$DOTK8S" "$command" --chart "$CHART" --helm "$HELM4" --kubectl "$KUBECTL" --profile default "$@"
}

# wait_until WHAT SECONDS COMMAND...: polls COMMAND once a second.
wait_until() {
  local what=$1 limit=$2 since=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ $((SECONDS - since)) -lt "$limit" ] || die "waited $limit s for $what"
    sleep 1
  done
}

# pods_settled NS SELECTOR COUNT: exactly COUNT pods match, each Running and none terminating.
pods_settled() {
  k get pods -n "$1" -l "$2" -o json | python3 -c '
import json, sys
pods = json.load(sys.stdin)["items"]
ok = len(pods) == int(sys.argv[1]) and all(
    p["status"].get("phase") == "Running" and "deletionTimestamp" not in p["metadata"] for p in pods)
sys.exit(0 if ok else 1)' "$3"
}

no_deployments() {  # NS: none left there
  [ -z "$(k get deployments.apps -n "$1" -o name)" ]
}

# record CASE RESOURCE [NS | -A]: `kubectl get` (the CRDs: `kubectl get --raw`, as verify
# reads them) into OUT/CASE/RESOURCE[.NS].json, the file tests/fakes/kubectl answers from.
record() {
  local case=$1 resource=$2 scope=${3:-} file managed=()
  file=$OUT/$case/$resource
  mkdir -p "$OUT/$case"
  case $resource in deployments.apps | apiservices.apiregistration.k8s.io) managed=(--show-managed-fields) ;; esac
  if [ "$resource" = customresourcedefinitions.apiextensions.k8s.io ] && [ -z "$scope" ]; then
    k get --raw /apis/apiextensions.k8s.io/v1/customresourcedefinitions >"$WORK/raw.json"
  elif [ -z "$scope" ]; then
    k get "$resource" "${managed[@]}" -o json >"$WORK/raw.json"
  elif [ "$scope" = -A ]; then
    k get "$resource" -A "${managed[@]}" -o json >"$WORK/raw.json"
  else
    k get "$resource" -n "$scope" "${managed[@]}" -o json >"$WORK/raw.json"
    file=$file.$scope
  fi
  python3 "$WORK/normalise.py" <"$WORK/raw.json" >"$file.json"
}

# record_values FILE: the `apps` of the live release's computed values.
record_values() {
  XDG_STATE_HOME=$WORK/state XDG_DATA_HOME=$WORK/data XDG_CACHE_HOME=$WORK/cache HELM_CACHE_HOME=$WORK/helm-cache \
    HELM_CONFIG_HOME=$WORK/helm-config HELM_DATA_HOME=$WORK/helm-data \
    "$HELM4" get values dot-apps -n "$RELEASE_NS" -a -o json >"$WORK/values.json"
  python3 -c 'import json, sys; print(json.dumps({"apps": json.load(sys.stdin)["apps"]}, indent=4))' \
    <"$WORK/values.json" >"$OUT/$1"
  rm -f "$WORK/values.json"
}

# verify_live CASE EXIT: dotk8s verify on the live cluster must exit EXIT; its
# non-ok lines are shown, so whoever records sees what the case's test will see.
verify_live() {
  local case=$1 expected=$2 code=0
  driver verify >"$WORK/verify-$case.txt" 2>&1 || code=$?
  grep -v '^ok ' "$WORK/verify-$case.txt" | sed "s/^/  [$case] /" >&2 || true
  [ "$code" = "$expected" ] || die "dotk8s verify on the live cluster exited $code for $case, expected $expected"
}
verify_healthy() {  # after an undo: the healthy cluster again
  local code=0
  driver verify >"$WORK/verify-healthy-again.txt" 2>&1 || code=$?
  { [ "$code" = 0 ] && grep -q '^verify: [0-9]* ok, 0 warning(s), 0 failed$' "$WORK/verify-healthy-again.txt"; } ||
    die "the live cluster is not healthy again after undoing $1:
$(grep -v '^ok ' "$WORK/verify-healthy-again.txt")"
}

say "installing dot-apps (dotk8s install --profile default, Helm 4, stand-in charts)"
run_logged install driver install
for ns in "$EG_NS" keda prometheus-system; do
  run_logged "rollout-$ns" k rollout status deployment -n "$ns" --timeout=180s
done

# A team's route through the KEDA interceptor, which ReferenceGrant keda/keda-interceptor allows from default.
k apply --server-side --field-manager="$FIELD_MANAGER" -f - >/dev/null <<'EOF'
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: dotk8s-tenant
  namespace: default
spec:
  parentRefs:
    - name: eg
      namespace: envoy-gateway-system
  hostnames: [dotk8s-tenant.example.com]
  rules:
    - matches:
        - path: {type: PathPrefix, value: /}
      backendRefs:
        - name: keda-add-ons-http-interceptor-proxy
          namespace: keda
          port: 8080
EOF

# --- controller-down: before the controller has done anything ------------------------------
say "case controller-down: the controller's pod cannot be scheduled"
run_logged cordon k cordon "$NODE"
run_logged delete-controller-pod k delete pod -n "$EG_NS" -l control-plane=envoy-gateway --wait=true
run_logged controller-unavailable k wait deployment/envoy-gateway -n "$EG_NS" --for=condition=Available=false --timeout=120s
record controller-down deployments.apps "$EG_NS"
record controller-down gateways.gateway.networking.k8s.io "$EG_NS"
record controller-down pods "$EG_NS"
verify_live controller-down 0
run_logged uncordon k uncordon "$NODE"
run_logged controller-available k wait deployment/envoy-gateway -n "$EG_NS" --for=condition=Available=true --timeout=120s

# --- what Envoy Gateway's controller does once it runs --------------------------------------
# The proxy as EG v1.7.0 renders it (internal/infrastructure/kubernetes/proxy/resource.go;
# its bootstrap arguments, probes and volumes left out: nothing here runs Envoy).
# METRICS=no: under an EnvoyProxy with telemetry.metrics.prometheus.disable, which drops
# the metrics port and the prometheus.io annotations.
proxy_manifest() {  # METRICS (yes|no)
  local annotations="" metrics_port=""
  if [ "$1" = yes ]; then
    annotations='
      annotations:
        prometheus.io/path: /stats/prometheus
        prometheus.io/port: "19001"
        prometheus.io/scrape: "true"'
    metrics_port='
            - {name: metrics, containerPort: 19001, protocol: TCP}'
  fi
  local labels="{app.kubernetes.io/name: envoy, app.kubernetes.io/component: proxy, app.kubernetes.io/managed-by: envoy-gateway"
  labels+=", gateway.envoyproxy.io/owning-gateway-name: eg, gateway.envoyproxy.io/owning-gateway-namespace: $EG_NS}"
  cat <<EOF
apiVersion: v1
kind: ServiceAccount
metadata:
  name: $PROXY
  namespace: $EG_NS
  labels: $labels
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $PROXY
  namespace: $EG_NS
  labels: $labels
spec:
  replicas: 1
  selector:
    matchLabels: $labels
  template:
    metadata:
      labels: $labels$annotations
    spec:
      serviceAccountName: $PROXY
      terminationGracePeriodSeconds: 360
      containers:
        - name: envoy
          image: docker.io/envoyproxy/envoy:distroless-v1.37.0
          command: [envoy]
          ports:$metrics_port
            - {name: readiness, containerPort: 19003, protocol: TCP}
        - name: shutdown-manager
          image: docker.io/envoyproxy/gateway:v1.7.0
          command: [envoy-gateway]
          args: [envoy, shutdown-manager]
EOF
}
apply_proxy() {  # METRICS: applies it as the controller (its field manager) and waits for the one pod
  proxy_manifest "$1" | k apply --server-side --field-manager=envoy-gateway -f - >/dev/null
  run_logged "proxy-rollout-$1" k rollout status deployment/"$PROXY" -n "$EG_NS" --timeout=120s
  wait_until "the proxy's pod alone (metrics=$1)" 120 pods_settled "$EG_NS" app.kubernetes.io/component=proxy 1
}

# Status as the controller writes it (internal/gatewayapi/status): conditions the
# API server's defaults (Unknown, "Waiting for controller") are replaced with.
write_status() {  # KIND NAME NS CONDITIONS_JSON
  local kind=$1 name=$2 ns=$3 conditions=$4 generation
  generation=$(k get "$kind" "$name" ${ns:+-n "$ns"} -o jsonpath='{.metadata.generation}')
  conditions=${conditions//@GENERATION@/$generation}
  conditions=${conditions//@NOW@/$(date -u +%Y-%m-%dT%H:%M:%SZ)}
  k patch "$kind" "$name" ${ns:+-n "$ns"} --subresource=status --type=merge --field-manager=envoy-gateway \
    -p "{\"status\":{\"conditions\":$conditions}}" >/dev/null
}
say "doing what Envoy Gateway's controller does: the proxy, GatewayClass and Gateway status"
apply_proxy yes
write_status gatewayclasses.gateway.networking.k8s.io eg "" '[
  {"type":"Accepted","status":"True","reason":"Accepted","message":"Valid GatewayClass","observedGeneration":@GENERATION@,"lastTransitionTime":"@NOW@"}]'
write_status gateways.gateway.networking.k8s.io eg "$EG_NS" '[
  {"type":"Accepted","status":"True","reason":"Accepted","message":"The Gateway has been scheduled by Envoy Gateway","observedGeneration":@GENERATION@,"lastTransitionTime":"@NOW@"},
  {"type":"Programmed","status":"True","reason":"Programmed","message":"Address assigned to the Gateway, 1/1 envoy replicas available","observedGeneration":@GENERATION@,"lastTransitionTime":"@NOW@"}]'

# --- healthy: every list verify reads -------------------------------------------------------
say "case healthy"
verify_healthy "nothing (the first healthy state)"
record healthy customresourcedefinitions.apiextensions.k8s.io
record healthy namespaces
record healthy gatewayclasses.gateway.networking.k8s.io
record healthy gateways.gateway.networking.k8s.io "$EG_NS"
record healthy podmonitors.monitoring.coreos.com "$EG_NS"
record healthy prometheuses.monitoring.coreos.com -A
record healthy referencegrants.gateway.networking.k8s.io keda
record healthy httproutes.gateway.networking.k8s.io -A
record healthy services keda
record healthy services prometheus-system
record healthy pods "$EG_NS"
record healthy deployments.apps "$EG_NS"
record healthy deployments.apps keda
record healthy deployments.apps prometheus-system
record_values values-default.json

PROMETHEUS=(prometheuses.monitoring.coreos.com kube-prometheus-stack-prometheus -n prometheus-system)

say "case prometheus-selector-changed"
k patch "${PROMETHEUS[@]}" --type=merge -p '{"spec":{"podMonitorSelector":{"matchLabels":{"release":"kube-prometheus-stack"}}}}' >/dev/null
record prometheus-selector-changed prometheuses.monitoring.coreos.com -A
verify_live prometheus-selector-changed 1
k patch "${PROMETHEUS[@]}" --type=merge -p '{"spec":{"podMonitorSelector":{"matchLabels":{"release":"dot-apps"}}}}' >/dev/null
verify_healthy prometheus-selector-changed

say "case namespace-label-missing"
k patch "${PROMETHEUS[@]}" --type=merge -p '{"spec":{"podMonitorNamespaceSelector":{"matchLabels":{"monitoring":"enabled"}}}}' >/dev/null
k label namespace prometheus-system monitoring=enabled >/dev/null
record namespace-label-missing namespaces
record namespace-label-missing prometheuses.monitoring.coreos.com -A
verify_live namespace-label-missing 1
k label namespace prometheus-system monitoring- >/dev/null
k patch "${PROMETHEUS[@]}" --type=merge -p '{"spec":{"podMonitorNamespaceSelector":{"matchLabels":null}}}' >/dev/null
verify_healthy namespace-label-missing

say "case proxy-metrics-disabled"
apply_proxy no
record proxy-metrics-disabled pods "$EG_NS"
verify_live proxy-metrics-disabled 1
apply_proxy yes
verify_healthy proxy-metrics-disabled

say "case route-without-grant"
k apply --server-side --field-manager="$FIELD_MANAGER" -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: team-b
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
  namespace: team-b
spec:
  parentRefs:
    - name: eg
      namespace: envoy-gateway-system
  hostnames: [shop.example.com]
  rules:
    - matches:
        - path: {type: PathPrefix, value: /}
      backendRefs:
        - name: keda-add-ons-http-interceptor-proxy
          namespace: keda
          port: 8080
EOF
record route-without-grant httproutes.gateway.networking.k8s.io -A
verify_live route-without-grant 0
# The route goes, team-b stays: deleting a namespace waits for the namespace controller,
# which cannot list KEDA's external.metrics.k8s.io (no pod serves that APIService here).
# No later case records namespaces.
run_logged delete-shop k delete httproutes.gateway.networking.k8s.io -n team-b shop --wait=true
verify_healthy route-without-grant

say "case gateway-api-mixed-bundle"
run_logged traefik-bundle k apply --server-side --force-conflicts --field-manager=traefik-bundle -f "$TRAEFIK_BUNDLE"
record gateway-api-mixed-bundle customresourcedefinitions.apiextensions.k8s.io
verify_live gateway-api-mixed-bundle 1
run_logged crds-apply driver crds apply --take-over-crds
verify_healthy gateway-api-mixed-bundle

say "case grant-missing-service"
run_logged delete-interceptor-service k delete service -n keda keda-add-ons-http-interceptor-proxy --wait=true
record grant-missing-service services keda
verify_live grant-missing-service 1
run_logged upgrade driver upgrade
verify_healthy grant-missing-service

say "case foreign-keda: KEDA off in the release, another team's KEDA operator in namespace keda"
run_logged keda-off driver upgrade --set apps.keda.enabled=false
wait_until "KEDA's Deployments gone" 120 no_deployments keda
k apply --server-side --field-manager=team-keda -f - >/dev/null <<'EOF'
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
EOF
run_logged team-keda-rollout k rollout status deployment/keda-operator -n keda --timeout=120s
# Their metrics server's registration (cluster-wide, one per cluster); nothing serves it here.
k apply --server-side --field-manager=team-keda -f - >/dev/null <<'EOF'
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
record foreign-keda apiservices.apiregistration.k8s.io
for listed in customresourcedefinitions.apiextensions.k8s.io namespaces gatewayclasses.gateway.networking.k8s.io \
  "gateways.gateway.networking.k8s.io $EG_NS" "podmonitors.monitoring.coreos.com $EG_NS" \
  "prometheuses.monitoring.coreos.com -A" "referencegrants.gateway.networking.k8s.io keda" \
  "httproutes.gateway.networking.k8s.io -A" "services keda" "services prometheus-system" "pods $EG_NS" \
  "deployments.apps $EG_NS" "deployments.apps keda" "deployments.apps prometheus-system"; do
  # shellcheck disable=SC2086  # RESOURCE [SCOPE], split on purpose
  record foreign-keda $listed
done
record_values values-keda-off.json
code=0
driver verify --set apps.keda.enabled=false >"$WORK/verify-foreign-keda.txt" 2>&1 || code=$?
grep -v '^ok ' "$WORK/verify-foreign-keda.txt" | sed 's/^/  [foreign-keda] /' >&2 || true
{ [ "$code" = 0 ] && grep -q "keda-operator: not this release's (owner: field manager team-keda), left alone" \
  "$WORK/verify-foreign-keda.txt" && ! grep -q 'delete deployment.*keda-operator' "$WORK/verify-foreign-keda.txt"; } ||
  die "dotk8s verify on the live cluster (exit $code) did not leave team-keda's keda-operator alone"
code=0
driver upgrade >"$WORK/upgrade-foreign-keda.txt" 2>&1 || code=$?
{ [ "$code" = 2 ] && grep -q 'Deployment keda/keda-operator (owner: field manager team-keda)' \
  "$WORK/upgrade-foreign-keda.txt" && grep -q 'APIService v1beta1.external.metrics.k8s.io (owner: field manager team-keda)' \
  "$WORK/upgrade-foreign-keda.txt"; } ||
  die "dotk8s upgrade with KEDA on exited $code over team-keda's KEDA, expected a refusal (2):
$(tail -n 5 "$WORK/upgrade-foreign-keda.txt")"
say "  [foreign-keda] dotk8s upgrade with KEDA on refused: $(grep -m1 'error:' "$WORK/upgrade-foreign-keda.txt" | cut -c1-160)"

# --- into the tree, only now that every case is recorded ------------------------------------
for case in "${CASES[@]}"; do
  [ -d "$OUT/$case" ] || die "nothing recorded for $case"
  mkdir -p "$TESTDATA/$case"
  rm -f "$TESTDATA/$case"/*.json
  cp "$OUT/$case"/*.json "$TESTDATA/$case/"
done
install_settings
cp "$OUT/values-default.json" "$OUT/values-keda-off.json" "$TESTDATA/"
say "recorded ${#CASES[@]} cases into $TESTDATA in $((SECONDS - started)) s"
