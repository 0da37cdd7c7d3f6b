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
"$driver" deps 2> "$BUILD/demo-deps.err" | sed 's/^/  /'
deps_status=${PIPESTATUS[0]}
if [ "$deps_status" -ne 0 ]; then
  # deps names the missing archives, the cache and the bundle way itself.
  sed 's/^/  /' "$BUILD/demo-deps.err" >&2
  echo "demo: cannot render charts/dot-apps yet; once the archives are in place: $driver deps && $driver template --profile default" >&2
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
