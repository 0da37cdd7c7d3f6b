#!/usr/bin/env bash
# Packages the five stand-in charts as <name>-<version>.tgz into OUTDIR, with the
# upstream CRDs that the real charts carry in crds/ copied in from the shared
# fixtures (they are never committed here).
# Usage: package.sh OUTDIR
# Environment: HELM (default: the project's .tools/helm4/helm, else helm on PATH),
#              DOTK8S_SHARED (default: ../shared beside the project).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:?usage: package.sh OUTDIR}
helm=${HELM:-}
if [ -z "$helm" ]; then
  if [ -x "$root/.tools/helm4/helm" ]; then helm=$root/.tools/helm4/helm; else helm=$(command -v helm || true); fi
fi
[ -n "$helm" ] && [ -x "$helm" ] || { echo "package.sh: no helm found: set HELM or run scripts/install-tools.sh" >&2; exit 1; }
crds=${DOTK8S_SHARED:-$root/../shared}/fixtures/upstream/crds

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
for dir in "$here"/*-standin; do
  name=$(basename "$dir" -standin)
  cp -R "$dir" "$work/$name"
done

if [ -d "$crds" ]; then
  mkdir -p "$work/gateway-helm/crds/generated" "$work/traefik/crds" "$work/kube-prometheus-stack/charts/crds/crds"
  cp "$crds/gateway-helm-1.7.0/gatewayapi-crds.yaml" "$work/gateway-helm/crds/"
  cp "$crds"/gateway-helm-1.7.0/generated/*.yaml "$work/gateway-helm/crds/generated/"
  cp "$crds/traefik-39.0.0/gateway-standard-install.yaml" "$work/traefik/crds/"
  cp "$crds"/kube-prometheus-stack-82.2.1/*.yaml "$work/kube-prometheus-stack/charts/crds/crds/"
  chmod -R u+w "$work"
else
  echo "package.sh: warning: no upstream CRDs at $crds (set DOTK8S_SHARED); packaging without crds/" >&2
fi

for name in gateway-helm keda keda-add-ons-http kube-prometheus-stack traefik; do
  "$helm" package "$work/$name" --destination "$out" >/dev/null
done
ls "$out"/{gateway-helm,keda,keda-add-ons-http,kube-prometheus-stack,traefik}-[0-9]*.tgz
