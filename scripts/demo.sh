#!/usr/bin/env bash
# The main job, as far as this machine allows: render the umbrella chart's
# default profile through the post-renderer. That needs the five upstream
# charts; `dotk8s deps` takes them from a bundle or the chart cache
# (~/.cache/dotk8s/charts), else downloads them. Without network and without a
# cache the demo says what to do and still exits 0 (setup itself succeeded).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
post=$BUILD/dotk8s-post
driver=$BUILD/dotk8s
shared=${DOTK8S_SHARED:-../shared}
fixture=$shared/fixtures/upstream/helm4-all.yaml
if [ -f "$fixture" ]; then
  echo "demo: what dotk8s-post does to the real Helm 4 stream of the five charts ($fixture):"
  "$post" --explain < "$fixture" | sed 's/^/  /'
fi
if [ ! -x "$driver" ]; then
  echo "demo: $driver is not built; run make build" >&2
  exit 0
fi

echo "demo: the chart's dependencies (dotk8s deps):"
if ! "$driver" deps 2> "$BUILD/demo-deps.err" | sed 's/^/  /'; then :; fi
cache=${DOTK8S_CHART_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dotk8s/charts}
if ! "$driver" deps --check > /dev/null 2>&1; then
  sed 's/^/  /' "$BUILD/demo-deps.err" >&2
  cat >&2 <<MSG
demo: cannot render charts/dot-apps: its five upstream charts are neither in the
      chart cache nor downloadable from here (no network?). To render it:
        1. copy gateway-helm-1.7.0.tgz, keda-2.19.0.tgz, keda-add-ons-http-0.12.2.tgz,
           kube-prometheus-stack-82.2.1.tgz and traefik-39.0.0.tgz into
           $cache
           (or: dotk8s deps --bundle FILE, with a bundle from \`dotk8s bundle -o FILE\`);
        2. $driver deps && $driver template --profile default
MSG
  exit 0
fi

out=$BUILD/demo-default.yaml
echo "demo: rendering charts/dot-apps (profile default) through dotk8s-post: $driver template --profile default > $out"
if "$driver" template --profile default > "$out"; then
  echo "demo: $(grep -c '^kind:' "$out") objects in $out; what the post-renderer did:"
  "$driver" explain --profile default | sed 's/^/  /'
  echo "demo: the wiring as a diagram: $driver explain --graph"
else
  echo "demo: the render failed; the message above says why (dotk8s doctor checks the setup)" >&2
fi
exit 0
