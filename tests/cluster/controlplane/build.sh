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
# only a new machine or a new pin pays the build (measured: about 12 minutes on 2 cores).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { printf 'controlplane: %s\n' "$*" >&2; }
die() { say "$1"; [ -z "${2:-}" ] || printf '  hint: %s\n' "$2" >&2; exit 2; }

command -v go >/dev/null 2>&1 || die "go is not installed" "Go 1.25 or later builds the test control plane (Debian: golang; or the Go toolchain)"

module_version() {  # DIR MODULE: the version DIR's go.mod resolves MODULE to
  (cd "$1" && go list -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' "$2")
}

K8S_VERSION=$(module_version "$HERE/kube" k8s.io/kubernetes)
ETCD_VERSION=$(module_version "$HERE/kube" go.etcd.io/etcd/server/v3)
KWOK_VERSION=$(module_version "$HERE/kwok" sigs.k8s.io/kwok)
HELMFILE_VERSION=$(module_version "$HERE/helmfile" github.com/helmfile/helmfile)
KEY="k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION-helmfile-$HELMFILE_VERSION"
CACHE_ROOT=${DOTK8S_CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dotk8s/controlplane}
DEST=$CACHE_ROOT/$KEY
PROGRAMS=(kube-apiserver kube-controller-manager kube-scheduler etcd kwok helmfile)

complete() {
  local program
  for program in "${PROGRAMS[@]}"; do [ -x "$DEST/bin/$program" ] || return 1; done
  [ -s "$DEST/kwok-stages.yaml" ]
}

if complete; then
  say "cached: $DEST (kube $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION, helmfile $HELMFILE_VERSION)"
  printf '%s\n' "$DEST"
  exit 0
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
