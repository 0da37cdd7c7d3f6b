#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz,
# seeds their corpora from the fixtures split into documents, and runs each
# target for FUZZ_SECONDS seconds (default 60), one after another (the machine
# is shared). A crash, sanitizer report, timeout or invariant failure keeps its
# input in fuzz/findings-<target>/ and makes the script exit 1; turn each into
# a tests/regression_*_test.cc case.
#
#   FUZZ_SECONDS=600 make fuzz                 ten minutes each
#   FUZZ_TARGETS="outline_diff" make fuzz      one target
#   scripts/fuzz.sh --build-only               build the targets, run nothing
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-build-fuzz}
targets=${FUZZ_TARGETS:-"read outline_diff pipeline"}
fixtures=${DOTK8S_SHARED:-../shared}/fixtures/upstream

for tool in clang clang++; do
  command -v "$tool" >/dev/null || { echo "fuzz: $tool is missing (make deps installs it)" >&2; exit 1; }
done
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DDOTK8S_FUZZ=ON -DDOTK8S_WERROR=OFF >/dev/null
fi
cmake --build "$build" --target fuzzers -j "${JOBS:-$(nproc)}"
[ "${1:-}" = "--build-only" ] && exit 0

# Seeds: every fixture document on its own (deduplicated), the hand-written
# edge cases in fuzz/seeds/, and for the pipeline short streams of consecutive
# small documents (whole fixtures are too large to mutate well), each behind
# the variant byte pipeline_fuzzer.cc reads.
seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds/docs" "$seeds/streams"
for fixture in "$fixtures"/*.yaml; do
  [ -s "$fixture" ] || continue
  base=$(basename "$fixture" .yaml)
  awk -v dir="$seeds/docs" -v base="$base" -v streams="$seeds/streams" '
    function flush() {
      if (doc == "") return
      file = sprintf("%s/%s-%04d.yaml", dir, base, n++)
      printf "%s", doc > file; close(file)
      if (length(doc) < 2500) {
        group = group doc
        if (++in_group == 8) { emit() }
      }
      doc = ""
    }
    function emit() {
      if (group == "") return
      file = sprintf("%s/%s-%03d.yaml", streams, base, g++)
      printf "%s", group > file; close(file)
      group = ""; in_group = 0
    }
    /^---/ { flush() }
    { doc = doc $0 "\n" }
    END { flush(); emit() }
  ' "$fixture"
done
cp fuzz/seeds/*.yaml "$seeds/docs/" 2>/dev/null || true
# Drop identical documents (many charts render the same small objects).
(cd "$seeds/docs" && md5sum -- * | sort | awk 'seen[$1]++ { print $2 }' | xargs -r rm -f)
mkdir -p "$seeds/pipeline"
i=0
for stream in "$seeds"/streams/*.yaml "$fixtures/helm4-envoy-only.yaml"; do
  for variant in '\000' '\001' '\002' '\010'; do
    { printf "$variant"; cat "$stream"; } > "$seeds/pipeline/$((i++)).yaml"
  done
done
for settings in fuzz/seeds/settings-*.yaml; do
  [ -f "$settings" ] || continue
  { printf '\004'; cat "$settings"; printf '\n%%%%\n'; cat "$fixtures/helm4-envoy-only.yaml"; } > "$seeds/pipeline/$((i++)).yaml"
done

failed=()
for target in $targets; do
  binary=$build/fuzz/fuzz_$target
  corpus=fuzz/corpus-$target
  findings=fuzz/findings-$target
  mkdir -p "$corpus" "$findings"
  case $target in
    pipeline) seed_dir=$seeds/pipeline; max_len=131072 ;;
    *) seed_dir=$seeds/docs; max_len=65536 ;;
  esac
  log=$build/fuzz-$target.log
  echo "fuzz: $target for ${seconds}s (corpus $corpus, log $log)"
  if "$binary" "$corpus" "$seed_dir" -max_total_time="$seconds" -max_len="$max_len" -timeout=25 \
      -rss_limit_mb=2560 -dict=fuzz/yaml.dict -artifact_prefix="$findings/" -print_final_stats=1 >"$log" 2>&1; then
    status=ok
  else
    status=FINDING
    failed+=("$target")
  fi
  execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log" | tail -1)
  echo "fuzz: $target: $status, ${execs:-?} runs, corpus $(find "$corpus" -type f | wc -l) inputs"
  if [ "$status" != ok ]; then
    grep -E "ERROR|SUMMARY|disagree|fuzzer:|Test unit written" "$log" | head -20 >&2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]} (inputs in fuzz/findings-<target>/)" >&2
  exit 1
fi
echo "fuzz: no findings"
