#!/usr/bin/env bash
# Starts the local control plane (issue 18) on loopback and prints its
# kubeconfig's path on stdout: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and the KWOK controller with one simulated node, so that
# Deployments become Available, Jobs (Helm's hooks) complete and `helm --wait`
# works, with no container ever run.
#
#   tests/cluster/controlplane/start.sh     (make cluster)
#   tests/cluster/controlplane/stop.sh      (make cluster-stop)
#
# Everything lives in one state directory, DOTK8S_CLUSTER_DIR (default .cluster
# in the project): certificates, the service-account key and the kubeconfig are
# made fresh for each start, etcd's data too; pids/ names what stop.sh stops,
# logs/ what each program printed. The binaries come from build.sh's cache.
#
# Nothing listens beyond 127.0.0.1, and what the API server dials stays there:
# Service cluster IPs come from 127.100.0.0/16, so its calls to webhooks and
# aggregated APIs (whose pods never run) are refused at once on loopback; the
# node's only address is 127.0.0.1 and the API server prefers it, so logs and
# exec reach KWOK's own server there. Simulated pods get addresses from
# 198.18.0.0/16 (RFC 2544) that nothing dials unless asked to: never
# `kubectl port-forward` or proxy to a pod or Service of this cluster.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
STATE=${DOTK8S_CLUSTER_DIR:-$ROOT/.cluster}
CONTEXT=dotk8s-local
SERVICE_CIDR=127.100.0.0/16
POD_CIDR=198.18.0.0/16
NODE_NAME=dotk8s-node-0
START_TIMEOUT=${DOTK8S_CLUSTER_START_TIMEOUT:-180}

say() { printf 'controlplane: %s\n' "$*" >&2; }
die() { say "$1"; [ -z "${2:-}" ] || printf '  hint: %s\n' "$2" >&2; exit 2; }

for tool in openssl curl ss flock; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed" "make deps installs it (scripts/install-deps.sh)"
done
if [ -z "${KUBECTL:-}" ]; then  # the project's kubectl 1.35 first, as the suite does
  KUBECTL=$ROOT/.tools/kubectl/kubectl
  [ -x "$KUBECTL" ] || KUBECTL=$(command -v kubectl || echo "$KUBECTL")
fi
[ -x "$KUBECTL" ] || die "kubectl not found" "make tools puts one into .tools/kubectl, or set KUBECTL=PATH"

# The state directory is wiped at each start: only one that start.sh made (its
# marker file is there), or a missing or empty one.
MARKER=.dotk8s-controlplane
if [ -e "$STATE" ] && [ ! -e "$STATE/$MARKER" ] && [ -n "$(ls -A "$STATE" 2>/dev/null)" ]; then
  die "$STATE exists and was not made by start.sh; it would be wiped" "set DOTK8S_CLUSTER_DIR to a new directory"
fi
mkdir -p "$STATE"
# One start at a time per state directory.
exec 8>"$STATE.lock"
flock -n 8 || die "another start or stop of $STATE is running" "wait for it, or tests/cluster/controlplane/stop.sh"

if [ -d "$STATE/pids" ] && compgen -G "$STATE/pids/*.pid" >/dev/null; then
  DOTK8S_CONTROLPLANE_LOCKED=1 "$HERE/stop.sh" --quiet-if-stopped || die "a control plane of $STATE is still running and would not stop" "tests/cluster/controlplane/stop.sh"
fi

BIN_DIR=$("$HERE/build.sh")/bin
STAGES=$(dirname "$BIN_DIR")/kwok-stages.yaml
started=$SECONDS
# The machine-wide lock, from picking ports until the programs hold them; after
# the build, so that a first build does not keep other starts waiting.
exec 9>"${TMPDIR:-/tmp}/dotk8s-controlplane-ports.lock"
flock -w 300 9 || die "another control plane kept the port lock for 300 s"

find "$STATE" -mindepth 1 -delete
mkdir -p "$STATE"/{pki,etcd,logs,pids}
touch "$STATE/$MARKER"
chmod 700 "$STATE"

# --- ports: free ones on 127.0.0.1, from a base that can be set ------------------
port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }
pick_port() {  # START: the first free port from START on
  local port=$1
  while ! port_free "$port"; do port=$((port + 1)); done
  printf '%s' "$port"
}
base=${DOTK8S_CLUSTER_PORT_BASE:-26443}
APISERVER_PORT=$(pick_port "$base")
ETCD_CLIENT_PORT=$(pick_port $((APISERVER_PORT + 1)))
ETCD_PEER_PORT=$(pick_port $((ETCD_CLIENT_PORT + 1)))
CM_PORT=$(pick_port $((ETCD_PEER_PORT + 1)))
SCHEDULER_PORT=$(pick_port $((CM_PORT + 1)))
KWOK_PORT=$(pick_port $((SCHEDULER_PORT + 1)))
SERVER=https://127.0.0.1:$APISERVER_PORT

# --- certificates, fresh each start ------------------------------------------------
pki=$STATE/pki
openssl_quiet() { openssl "$@" 2>>"$STATE/logs/openssl.log"; }
openssl_quiet req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=dotk8s-local-ca" \
  -keyout "$pki/ca.key" -out "$pki/ca.crt"
issue() {  # NAME SUBJECT [SUBJECT_ALT_NAMES]: NAME.crt and NAME.key signed by the CA
  local name=$1 subject=$2 sans=${3:-} ext="$pki/$1.ext"
  openssl_quiet req -newkey rsa:2048 -nodes -subj "$subject" -keyout "$pki/$name.key" -out "$pki/$name.csr"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ -n "$sans" ]; then
      echo "extendedKeyUsage=serverAuth,clientAuth"
      echo "subjectAltName=$sans"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"$ext"
  openssl_quiet x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 7 -extfile "$ext" -out "$pki/$name.crt"
  rm -f "$pki/$name.csr" "$ext"
}
issue apiserver "/CN=kube-apiserver" \
  "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:127.100.0.1"
issue admin "/O=system:masters/CN=dotk8s-local-admin"
issue front-proxy-client "/CN=front-proxy-client"
openssl_quiet genrsa -out "$pki/sa.key" 2048
openssl_quiet rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub"
chmod 600 "$pki"/*.key

KUBECONFIG_PATH=$STATE/kubeconfig
cat >"$KUBECONFIG_PATH" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $CONTEXT
  cluster:
    server: $SERVER
    certificate-authority: $pki/ca.crt
users:
- name: $CONTEXT-admin
  user:
    client-certificate: $pki/admin.crt
    client-key: $pki/admin.key
contexts:
- name: $CONTEXT
  context:
    cluster: $CONTEXT
    user: $CONTEXT-admin
current-context: $CONTEXT
EOF
chmod 600 "$KUBECONFIG_PATH"

# --- the programs ---------------------------------------------------------------------
# launch NAME PROGRAM ARGS...: in the background, in a session of its own, output
# in logs/NAME.log; pids/NAME.pid holds "PID STARTTIME": the start time (field
# 22 of /proc/PID/stat, set at fork, kept across exec) tells stop.sh that a pid
# is still this process and not one the system reused.
launch() {
  local name=$1 program=$2
  shift 2
  # 8>&- 9>&-: the daemons must not inherit (and so keep) the start's locks.
  setsid "$BIN_DIR/$program" "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null 8>&- 9>&- &
  printf '%s %s\n' "$!" "$(process_start_time "$!")" >"$STATE/pids/$name.pid"
}

process_start_time() {  # PID: its start time in clock ticks since boot ("" when it is gone)
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }  # the fields after the command name, which may hold spaces
  read -r -a fields <<<"$stat"
  printf '%s' "${fields[19]}"  # field 22 of the whole line
}

alive() {  # NAME: its process still runs
  local pid
  read -r pid _ <"$STATE/pids/$1.pid"
  kill -0 "$pid" 2>/dev/null
}

# Until the start is complete, leaving (a failure, Ctrl-C, TERM) stops what was launched.
START_COMPLETE=0
# shellcheck disable=SC2317  # called from the traps
stop_unless_complete() {
  [ "$START_COMPLETE" = 1 ] || DOTK8S_CONTROLPLANE_LOCKED=1 "$HERE/stop.sh" --quiet-if-stopped || true
}
trap stop_unless_complete EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# wait_for WHAT SECONDS COMMAND...: polls COMMAND once a second; on timeout says
# what it waited for and shows the end of every log.
wait_for() {
  local what=$1 limit=$2 since=$SECONDS name
  shift 2
  until "$@" >/dev/null 2>&1; do
    for name in "$STATE"/pids/*.pid; do
      name=$(basename "$name" .pid)
      alive "$name" || fail_start "$name exited while waiting for $what"
    done
    if [ $((SECONDS - since)) -ge "$limit" ]; then fail_start "waited $limit s for $what"; fi
    sleep 1
  done
}

fail_start() {
  local log
  say "could not start: $1"
  for log in "$STATE"/logs/*.log; do
    [ -s "$log" ] || continue
    printf '  --- end of %s\n' "$log" >&2
    tail -n 15 "$log" | sed 's/^/  /' >&2
  done
  exit 1  # the EXIT trap stops what was launched
}

kubectl_local() { "$KUBECTL" --kubeconfig "$KUBECONFIG_PATH" --request-timeout=10s "$@"; }
# Every probe is bounded: a listener that accepts and never answers must not hang the start.
probe() { curl -fsS --max-time 5 "$@"; }

# etcd without fsync and with a larger quota: its data is thrown away at every
# start, and fsync on this VM's disk would slow every write of the suite.
launch etcd etcd --name dotk8s-local --data-dir "$STATE/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "dotk8s-local=http://127.0.0.1:$ETCD_PEER_PORT" \
  --listen-metrics-urls "" --unsafe-no-fsync --quota-backend-bytes 4294967296
wait_for "etcd on 127.0.0.1:$ETCD_CLIENT_PORT" 60 probe "http://127.0.0.1:$ETCD_CLIENT_PORT/health"

# --endpoint-reconciler-type=none: the API server's own Endpoints would hold
# 127.0.0.1, which Endpoints refuse (loopback); nothing in the suite needs them.
launch kube-apiserver kube-apiserver \
  --etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
  --endpoint-reconciler-type none \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" \
  --proxy-client-cert-file "$pki/front-proxy-client.crt" --proxy-client-key-file "$pki/front-proxy-client.key" \
  --requestheader-client-ca-file "$pki/ca.crt" --requestheader-allowed-names front-proxy-client \
  --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
  --requestheader-extra-headers-prefix X-Remote-Extra- \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --authorization-mode RBAC --allow-privileged=true \
  --kubelet-preferred-address-types InternalIP \
  ${DOTK8S_CLUSTER_AUDIT_POLICY:+--audit-policy-file "$DOTK8S_CLUSTER_AUDIT_POLICY" --audit-log-path "$STATE/logs/audit.jsonl"}
wait_for "kube-apiserver on $SERVER (/readyz)" "$START_TIMEOUT" \
  probe --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$SERVER/readyz"

launch kube-controller-manager kube-controller-manager \
  --kubeconfig "$KUBECONFIG_PATH" --authentication-kubeconfig "$KUBECONFIG_PATH" --authorization-kubeconfig "$KUBECONFIG_PATH" \
  --bind-address 127.0.0.1 --secure-port "$CM_PORT" --leader-elect=false \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
  --use-service-account-credentials=false --service-cluster-ip-range "$SERVICE_CIDR" \
  --node-monitor-grace-period 10m
# A grace period of 10 minutes, not 50 s: the node is simulated and cannot be
# lost, while a heartbeat (every 20 to 25 s) that KWOK sends late on two busy
# cores would otherwise taint the node unreachable and have its pods evicted.
# (The node lifecycle controller itself is needed: it lifts the not-ready taint
# a new node is registered with.)
launch kube-scheduler kube-scheduler \
  --kubeconfig "$KUBECONFIG_PATH" --authentication-kubeconfig "$KUBECONFIG_PATH" --authorization-kubeconfig "$KUBECONFIG_PATH" \
  --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --leader-elect=false
launch kwok kwok --kubeconfig "$KUBECONFIG_PATH" --config "$STAGES" \
  --manage-all-nodes=true --cidr "$POD_CIDR" --node-ip 127.0.0.1 --node-port "$KWOK_PORT" \
  --server-address "127.0.0.1:$KWOK_PORT"

# One simulated node, big enough for every chart of the suite at once.
cat >"$STATE/node.yaml" <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: $NODE_NAME
    kubernetes.io/os: linux
    type: kwok
spec:
  podCIDR: $POD_CIDR
  podCIDRs: [$POD_CIDR]
status:
  allocatable: {cpu: "64", memory: 256Gi, pods: "500"}
  capacity: {cpu: "64", memory: 256Gi, pods: "500"}
EOF
# Right after /readyz the API server may still refuse for a moment (its own
# RBAC and priority classes settle): the apply is retried within the bound.
wait_for "node $NODE_NAME registered" 30 kubectl_local apply -f "$STATE/node.yaml"
wait_for "node $NODE_NAME Ready (kwok)" 60 kubectl_local wait --for=condition=Ready "node/$NODE_NAME" --timeout=1s
# Pods need their namespace's default ServiceAccount (the controller manager makes it).
wait_for "ServiceAccount default/default (kube-controller-manager)" 60 kubectl_local get serviceaccount default -n default

cat >"$STATE/env" <<EOF
KUBECONFIG=$KUBECONFIG_PATH
DOTK8S_CLUSTER_SERVER=$SERVER
DOTK8S_CLUSTER_BIN=$BIN_DIR
EOF
START_COMPLETE=1
say "started in $((SECONDS - started)) s: $SERVER ($("$BIN_DIR/kube-apiserver" --version 2>/dev/null), etcd, kube-controller-manager, kube-scheduler, kwok with node $NODE_NAME); logs in $STATE/logs"
say "use it: export KUBECONFIG=$KUBECONFIG_PATH; stop it: make cluster-stop"
printf '%s\n' "$KUBECONFIG_PATH"
