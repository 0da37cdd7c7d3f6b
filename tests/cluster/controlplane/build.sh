#!/usr/bin/env bash
# Builds the local control plane's programs (issue 18) from the Go module proxy,
# once per machine and version set, into the user's cache directory:
#
#   kube-apiserver, kube-controller-manager, kube-scheduler   k8s.io/kubernetes  (kube/go.mod)
#   etcd                                                      go.etcd.io/etcd/server/v3, the version
#                                                             that k8s.io/kubernetes requires (kube/go.mod)
#   kwok                                                      sigs.k8s.io/kwok   (kwok/go.mod)
#   helmfile (a client, for the suite's helmfile route)       github.com/helmfile/helmfile (helmfile/go.mod)
#
# and KWOK's own "fast" node and pod stages (read from the KWOK module, not
# copied into this repository) as one config file for the kwok controller.
#
#   tests/cluster/controlplane/build.sh          prints the directory of the binaries
#
# The directory is $XDG_CACHE_HOME/dotk8s/controlplane/<versions> (default
# ~/.cache/...), or DOTK8S_CONTROLPLANE_CACHE. A complete directory is reused:
# only a new machine or a new pin pays the build (docs/cluster-test.md has the measured time).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { printf 'controlplane: %s\n' "$*" >&2; }
die() { say "$1"; [ -z "${2:-}" ] || printf '  hint: %s\n' "$2" >&2; exit 2; }

# The versions straight from the go.mod files (no go command, no module cache
# needed to find a cached build).
module_version() {  # DIR MODULE: the version DIR/go.mod requires of MODULE
  awk -v module="$2" '$1 == module && $2 ~ /^v/ {print $2; exit}
    $1 == "require" && $2 == module {print $3; exit}' "$1/go.mod"
}
newest_go_line() {  # the newest `go` line of the modules: the Go they need
  awk '$1 == "go" {print $2}' "$HERE"/*/go.mod | sort -V | tail -n 1
}

K8S_VERSION=$(module_version "$HERE/kube" k8s.io/kubernetes)
ETCD_VERSION=$(module_version "$HERE/kube" go.etcd.io/etcd/server/v3)
KWOK_VERSION=$(module_version "$HERE/kwok" sigs.k8s.io/kwok)
HELMFILE_VERSION=$(module_version "$HERE/helmfile" github.com/helmfile/helmfile)
for version in "$K8S_VERSION" "$ETCD_VERSION" "$KWOK_VERSION" "$HELMFILE_VERSION"; do
  [ -n "$version" ] || die "a pinned version is missing from $HERE/*/go.mod" "go.mod must require k8s.io/kubernetes, go.etcd.io/etcd/server/v3, sigs.k8s.io/kwok and github.com/helmfile/helmfile"
done
KEY="k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION-helmfile-$HELMFILE_VERSION"
CACHE_ROOT=${DOTK8S_CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dotk8s/controlplane}
DEST=$CACHE_ROOT/$KEY
PROGRAMS=(kube-apiserver kube-controller-manager kube-scheduler etcd kwok helmfile)

cache_complete() {
  local program
  for program in "${PROGRAMS[@]}"; do [ -x "$DEST/bin/$program" ] || return 1; done
  [ -s "$DEST/kwok-stages.yaml" ]
}

if cache_complete; then
  say "cached: $DEST (kube $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION, helmfile $HELMFILE_VERSION)"
  printf '%s\n' "$DEST"
  exit 0
fi

# Go: at least the newest `go` line of the modules (machines here set
# GOTOOLCHAIN=local, so an older go would not fetch a newer toolchain).
needed_go=$(newest_go_line)
command -v go >/dev/null 2>&1 || die "go is not installed; building the control plane needs Go $needed_go or later" \
  "install Go $needed_go or later (Debian 12's golang is 1.19, too old)"
have_go=$(go env GOVERSION)
have_go=${have_go#go}
if [ "$(printf '%s\n%s\n' "$needed_go" "$have_go" | sort -V | head -n 1)" != "$needed_go" ]; then
  die "go $have_go is older than the $needed_go that $HERE/*/go.mod need" "install Go $needed_go or later"
fi

started=$SECONDS
mkdir -p "$CACHE_ROOT"
partial=$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")
trap 'rm -rf "$partial"' EXIT
mkdir -p "$partial/bin"
say "building kube-apiserver, kube-controller-manager, kube-scheduler $K8S_VERSION and etcd $ETCD_VERSION (once per machine; some minutes)"
# -trimpath and -s: smaller binaries and no build paths in them; the tools are
# the go.mod's `tool` lines, so the pins above are exactly what is built. The
# version is stamped as Kubernetes' own build does (hack/lib/version.sh):
# without it the API server says v0.0.0, and Helm's kubeVersion checks and
# .Capabilities.KubeVersion see that.
minor=${K8S_VERSION#v1.}
minor=${minor%%.*}
version_flags=""
for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $package.gitVersion=$K8S_VERSION -X $package.gitMajor=1 -X $package.gitMinor=$minor"
  version_flags+=" -X $package.gitTreeState=clean -X $package.buildDate=1970-01-01T00:00:00Z"
done
(cd "$HERE/kube" && go build -trimpath -ldflags="-s$version_flags" -o "$partial/bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler go.etcd.io/etcd/server/v3)
mv "$partial/bin/server" "$partial/bin/etcd"  # go names the binary after go.etcd.io/etcd/server/v3
say "building kwok $KWOK_VERSION"
(cd "$HERE/kwok" && go build -trimpath -ldflags=-s -o "$partial/bin/" sigs.k8s.io/kwok/cmd/kwok)
say "building helmfile $HELMFILE_VERSION"
(cd "$HERE/helmfile" && go build -trimpath -ldflags=-s -o "$partial/bin/" github.com/helmfile/helmfile)

# KWOK's "fast" stages, as kwokctl uses them: nodes become Ready and keep a
# heartbeat; pods become Ready at once; a Job's pods complete; deleted pods go.
kwok_dir=$(cd "$HERE/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
{
  for stage in stage/node/fast/node-initialize.yaml stage/node/heartbeat/node-heartbeat.yaml \
    stage/pod/fast/pod-ready.yaml stage/pod/fast/pod-complete.yaml stage/pod/fast/pod-delete.yaml; do
    [ -s "$kwok_dir/kustomize/$stage" ] || die "KWOK $KWOK_VERSION has no $stage" "pin a KWOK release that ships its fast stages"
    printf -- '---\n'
    cat "$kwok_dir/kustomize/$stage"
    printf '\n'
  done
} >"$partial/kwok-stages.yaml"

rm -rf "$DEST"
mv "$partial" "$DEST"
trap - EXIT
say "built in $((SECONDS - started)) s: $DEST ($(du -sh "$DEST" | cut -f1))"
printf '%s\n' "$DEST"
