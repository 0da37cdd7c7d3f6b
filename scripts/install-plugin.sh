#!/usr/bin/env bash
# Installs the Helm 4 post-renderer plugin `dotk8s-post`: a plugin directory
# holding plugin.yaml, dotk8s-post.sh and the binary in bin/ (the layout of the
# release archive `make dist` builds). Helm 3 cannot load a v1 plugin.yaml and
# fails on every command when one sits in its plugin directory, so:
#   - the default helm is Helm 4: into its plugin directory (helm env HELM_PLUGINS);
#   - otherwise: into ~/.local/share/dotk8s/helm4-plugins, which Helm 4 reads
#     when HELM_PLUGINS points there (dotk8s sets it; so can you).
# A plugin installed the Helm way from the source tree (`helm plugin install
# helm-plugin/dotk8s-post`, a symlink to it) is left as it is: it finds the
# installed binary on PATH.
# Usage: install-plugin.sh BINARY [HELM4]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
binary=${1:?usage: install-plugin.sh BINARY [HELM4]}
helm4=${2:-}
default_helm=$(command -v helm || true)
is_helm4() { "$1" version --template '{{.Version}}' 2>/dev/null | grep -q '^v4\.'; }

if [ -n "$default_helm" ] && is_helm4 "$default_helm"; then
  dir=$("$default_helm" env HELM_PLUGINS | cut -d: -f1)
elif [ -n "${DOTK8S_HELM4_PLUGINS:-}" ]; then
  dir=$DOTK8S_HELM4_PLUGINS
elif [[ ${XDG_DATA_HOME:-} == /* ]]; then  # relative XDG values are ignored (the XDG spec, and dotk8s)
  dir=$XDG_DATA_HOME/dotk8s/helm4-plugins
elif [[ ${HOME:-} == /* ]]; then
  dir=$HOME/.local/share/dotk8s/helm4-plugins
else
  echo "setup: HOME is not set: no plugin directory of your own to install the Helm 4 plugin into (never a shared path such as /tmp); set HOME or DOTK8S_HELM4_PLUGINS" >&2
  exit 1
fi
target="$dir/dotk8s-post"
if [ -L "$target" ]; then
  echo "setup: Helm 4 plugin dotk8s-post in $target is installed from $(readlink "$target"); left as it is (it runs dotk8s-post from PATH)"
  exit 0
fi
mkdir -p "$target/bin"
install -m 0644 "$here/helm-plugin/dotk8s-post/plugin.yaml" "$target/plugin.yaml"
install -m 0755 "$here/helm-plugin/dotk8s-post/dotk8s-post.sh" "$target/dotk8s-post.sh"
install -m 0755 "$binary" "$target/bin/dotk8s-post"
echo "setup: Helm 4 plugin dotk8s-post installed in $target"
if [ -z "$default_helm" ] || ! is_helm4 "$default_helm"; then
  echo "setup: the default helm is not Helm 4; use HELM_PLUGINS=$dir with Helm 4${helm4:+ (e.g. HELM_PLUGINS=$dir $helm4 template ...)}"
fi
