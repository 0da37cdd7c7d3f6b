#!/usr/bin/env bash
# Debian 12 packages for building and testing dotk8s.
set -euo pipefail
packages=(build-essential cmake ninja-build pkg-config git unzip ca-certificates
  libyaml-cpp-dev libyaml-dev libfmt-dev libboost-dev libboost-filesystem-dev
  libarchive-dev libssl-dev libgtest-dev libgmock-dev libvalijson-dev libbenchmark-dev
  nlohmann-json3-dev  # dotk8s verify: kubectl's JSON in, -o json out
  clang libclang-rt-14-dev hyperfine npm strace
  openssl curl iproute2 shellcheck  # the local control plane (tests/cluster/controlplane); the lint of its scripts
  procps python3 jq)  # the suite's interrupted operations (pgrep, a webhook that holds object creation), its CRD owners;
  # jq also joins the lists of a combined read in tests/fakes/kubectl (make test)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm may come with Node.js from elsewhere; only ask apt for it if there is none.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: Debian packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
