#!/usr/bin/env bash
# The main job, as far as this machine allows: wire the real upstream streams
# through the post-renderer, then render the umbrella chart if its five
# dependencies can be had.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
post=$BUILD/dotk8s-post
shared=${DOTK8S_SHARED:-../shared}
fixture=$shared/fixtures/upstream/helm4-all.yaml
if [ -f "$fixture" ]; then
  echo "demo: what dotk8s-post does to the real Helm 4 stream of the five charts ($fixture):"
  "$post" --explain < "$fixture" | sed 's/^/  /'
fi
if [ -x "$BUILD/dotk8s" ]; then
  echo "demo: rendering charts/dot-apps (default profile) through the post-renderer:"
  "$BUILD/dotk8s" template --profile default && exit 0
  echo "demo: the umbrella chart needs its five dependencies (dotk8s deps); see the message above" >&2
fi
exit 0
