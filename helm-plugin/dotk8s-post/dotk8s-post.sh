#!/bin/sh
# The Helm 4 plugin's command: runs the dotk8s-post binary, wherever it is.
#
# A plugin installed the Helm way (`helm plugin install <this directory>`, a
# symlink, or a release archive) may or may not carry the binary, so it is
# looked for, first found wins:
#   1. $HELM_PLUGIN_DIR/bin/dotk8s-post   (release archives and `make install` carry it)
#   2. $DOTK8S_POST                        (an explicit choice)
#   3. dotk8s-post on PATH
#   4. build/dotk8s-post of the source tree when the plugin is installed from
#      it (a symlink to helm-plugin/dotk8s-post; the build must be this user's)
# Nowhere: a message saying so and exit 127. Helm 4 discards a plugin's stderr
# (internal/plugin/runtime_subprocess.go, runPostrenderer), so the message also
# goes to dotk8s-post's log when there is a home for it (never a shared /tmp
# path), and the install hook below says it when the plugin is installed.
#
# `dotk8s-post.sh --dotk8s-plugin-check` is the plugin's install and update
# hook: it says which binary the plugin will run, or why none.
set -u

plugin_dir=${HELM_PLUGIN_DIR:-$(dirname "$0")}
self=$(readlink -f "$0" 2>/dev/null || echo "$0")

# An executable file that is not this script (a dotk8s-post on PATH that links
# here would exec it again and again).
usable() {
  [ -n "$1" ] && [ -f "$1" ] && [ -x "$1" ] && [ "$(readlink -f "$1" 2>/dev/null || echo "$1")" != "$self" ]
}

# Ours and writable by no one else: what a path Helm did not choose must be
# before this script runs it.
private() { [ -O "$1" ] && [ -z "$(find "$1" -maxdepth 0 -perm /022 2>/dev/null)" ]; }

locate() {
  if usable "$plugin_dir/bin/dotk8s-post"; then echo "$plugin_dir/bin/dotk8s-post"; return 0; fi
  if usable "${DOTK8S_POST:-}"; then echo "$DOTK8S_POST"; return 0; fi
  on_path=$(command -v dotk8s-post 2>/dev/null || true)
  if usable "$on_path"; then echo "$on_path"; return 0; fi
  # A plugin installed from the source tree (`helm plugin install
  # helm-plugin/dotk8s-post`) is a symlink to that directory: only then, and
  # only a build of this user's, is the tree's build/ looked at.
  real=$(cd -P "$plugin_dir" 2>/dev/null && pwd)
  case "$real" in
    */helm-plugin/dotk8s-post)
      tree=${real%/helm-plugin/dotk8s-post}
      if [ -f "$tree/CMakeLists.txt" ] && usable "$tree/build/dotk8s-post" && private "$tree/build/dotk8s-post" &&
        private "$tree/build"; then
        echo "$tree/build/dotk8s-post"
        return 0
      fi ;;
  esac
  return 1
}

not_found() {
  cat <<EOF
dotk8s-post: error: the Helm plugin dotk8s-post ($plugin_dir) found no dotk8s-post binary: not in its bin/, not in \$DOTK8S_POST, not on PATH (${PATH:-}), not in a build/ of its source tree
  hint: install the release archive (helm plugin install dotk8s-post-<version>-linux-amd64.tgz), run \`make install\` in the source tree, or set DOTK8S_POST=/path/to/dotk8s-post
EOF
}

# The log dotk8s-post itself writes (src/core/error_log.cc, DefaultLogPath):
# under XDG_STATE_HOME or HOME only.
log_path() {
  case "${XDG_STATE_HOME:-}" in
    /*) echo "$XDG_STATE_HOME/dotk8s/dotk8s-post.log"; return 0 ;;
  esac
  case "${HOME:-}" in
    /*) echo "$HOME/.local/state/dotk8s/dotk8s-post.log"; return 0 ;;
  esac
  return 1
}

if [ "${1:-}" = "--dotk8s-plugin-check" ]; then
  if binary=$(locate); then
    echo "dotk8s-post: the plugin runs $binary ($("$binary" --version 2>/dev/null || echo 'its --version failed'))"
  else
    # A warning, not a failed install: Helm keeps the plugin either way, and
    # installing the binary afterwards is enough.
    not_found | sed '1s/dotk8s-post: error:/dotk8s-post: warning:/'
    echo "  until then every helm command with --post-renderer dotk8s-post fails"
  fi
  exit 0
fi

if binary=$(locate); then
  exec "$binary" "$@"
fi
not_found >&2
if log=$(log_path) && mkdir -p "$(dirname "$log")" 2>/dev/null; then
  # A block as dotk8s-post writes them (kLogBlockPrefix), so `dotk8s doctor` shows it.
  { echo "=== dotk8s-post plugin $(date -u +%Y-%m-%dT%H:%M:%SZ) failed: no dotk8s-post binary"; not_found; } >> "$log" 2>/dev/null
fi
exit 127
