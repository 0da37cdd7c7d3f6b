#!/usr/bin/env bash
# make dist: the Helm 4 plugin dotk8s-post as a release archive that
# `helm plugin install <archive>` takes, with its SHA-256 beside it.
#
# Helm 4 installs a plugin archive by extracting it and copying the directory
# named after the archive (`dotk8s-post-<version>...tgz` -> `dotk8s-post/`,
# internal/plugin/installer/local_installer.go installFromArchive and
# extractor.go stripPluginName) into its plugin directory; the directory holds
# plugin.yaml, dotk8s-post.sh and bin/dotk8s-post, which the script runs first.
# The binary links only libc and libm (libstdc++ and the rest are static), so
# it runs on glibc 2.36 (Debian 12) and later.
#
# Usage: dist.sh BINARY [OUT_DIR]   (writes OUT_DIR/dotk8s-post-<version>-linux-<arch>.tgz{,.sha256})
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
binary=${1:?usage: dist.sh BINARY [OUT_DIR]}
out=${2:-$here/dist}
plugin="$here/helm-plugin/dotk8s-post"

version=$(sed -n 's/^version: *//p' "$plugin/plugin.yaml")
built=$("$binary" --version)
if [ "$built" != "dotk8s-post $version" ]; then
  echo "dist: $binary says '$built' but plugin.yaml has version $version; build the matching binary" >&2
  exit 1
fi
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac
name="dotk8s-post-$version-linux-$arch.tgz"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/dotk8s-post/bin"
install -m 0644 "$plugin/plugin.yaml" "$stage/dotk8s-post/plugin.yaml"
install -m 0755 "$plugin/dotk8s-post.sh" "$stage/dotk8s-post/dotk8s-post.sh"
install -m 0755 "$binary" "$stage/dotk8s-post/bin/dotk8s-post"
# Debug info is for the build tree, not for users (52 MB -> a few MB).
strip --strip-debug "$stage/dotk8s-post/bin/dotk8s-post"

# The same bytes for the same inputs: sorted names, no owners, one mtime, gzip -n.
mtime=${SOURCE_DATE_EPOCH:-$(git -C "$here" log -1 --format=%ct 2>/dev/null || echo 0)}
mkdir -p "$out"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -C "$stage" -cf - dotk8s-post |
  gzip -9 -n > "$out/$name"
(cd "$out" && sha256sum "$name" > "$name.sha256")
echo "dist: $out/$name"
echo "dist: $out/$name.sha256 ($(cut -c1-16 "$out/$name.sha256")...)"
