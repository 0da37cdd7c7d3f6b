# dotk8s: the two commands a fresh Debian 12 machine needs are `make setup`
# (dependencies, build, install, demo) and `make test`.
BUILD ?= build
PREFIX ?= $(shell [ "$$(id -u)" = 0 ] && echo /usr/local || echo $$HOME/.local)
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup deps tools build test unit e2e bench bench-cluster fuzz install dist demo clean cluster cluster-stop cluster-test controlplane

all: build

setup: deps tools build install demo

deps:
	scripts/install-deps.sh

tools:
	scripts/install-tools.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

test: build
	@# An older .tools has Helm 3.18.0 as helm3 and no helm3.18: the script relinks it.
	@[ -x .tools/helm4/helm ] && [ -x .tools/helm3.18/helm ] || scripts/install-tools.sh
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The local control plane (tests/cluster/controlplane, docs/cluster-test.md):
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler and KWOK on
# loopback, built once per machine from the Go module proxy into
# ~/.cache/dotk8s/controlplane. `make cluster` prints its kubeconfig's path.
controlplane:
	tests/cluster/controlplane/build.sh >/dev/null

cluster:
	@tests/cluster/controlplane/start.sh

cluster-stop:
	@tests/cluster/controlplane/stop.sh

# The cluster suite (docs/cluster-test.md): every route through the life of a
# release, a throwaway cluster only. Not part of `make test`. With no KUBECONFIG
# (or CLUSTER=local) on the local control plane, started and stopped around it;
# CLUSTER=current (or a KUBECONFIG) on the cluster kubectl points to (kind, k3d,
# minikube). ROUTES="helm4 gitops" and STEPS="keda-off keda-on" run a part.
CLUSTER ?=
cluster-test: build
	@case "$(CLUSTER)" in ""|local|current) ;; *) echo "CLUSTER=$(CLUSTER): expected local or current" >&2; exit 2 ;; esac
	@if [ "$(CLUSTER)" = local ] || { [ -z "$(CLUSTER)" ] && [ -z "$$KUBECONFIG" ]; }; then \
	  ROUTES="$(ROUTES)" STEPS="$(STEPS)" BUILD="$(BUILD)" tests/cluster/with-local-cluster.sh tests/cluster/run.sh; \
	else \
	  ROUTES="$(ROUTES)" STEPS="$(STEPS)" BUILD="$(BUILD)" tests/cluster/run.sh; \
	fi

bench: build
	bench/run.sh $(BUILD)

# The driver against plain Helm 4 and Helm 3 on the local control plane
# (docs/performance.md, "The driver on a real API server"); about 15 minutes.
bench-cluster: build
	bench/cluster.sh $(BUILD)

fuzz:
	scripts/fuzz.sh

install: build
	install -d $(PREFIX)/bin
	install -m 0755 $(BUILD)/dotk8s-post $(PREFIX)/bin/dotk8s-post
	@if [ -x $(BUILD)/dotk8s ]; then install -m 0755 $(BUILD)/dotk8s $(PREFIX)/bin/dotk8s; fi
	scripts/install-plugin.sh $(BUILD)/dotk8s-post $(CURDIR)/.tools/helm4/helm

# The Helm 4 plugin as a release archive: dist/dotk8s-post-<version>-linux-<arch>.tgz
# and its .sha256 (helm plugin install <archive> --verify=false; README).
dist: build
	scripts/dist.sh $(BUILD)/dotk8s-post dist

demo:
	scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD)
