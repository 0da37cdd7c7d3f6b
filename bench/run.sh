#!/usr/bin/env bash
# make bench: times dotk8s-post against `cat` and kustomize on the real Helm 4
# stream of the five charts, and dotk8s-post alone on generated 10 MB and 100 MB
# streams, all in one go on this machine, then counts its instructions on the
# five charts with callgrind (bench/callgrind.sh, plain and with --crds)
# against those of 1291ed1, the post-renderer at its best before issue 20.
# Prints a table with PASS/MISS per target of issues 7 and 20 and writes
# bench/results/latest.md and bench/results/readme-snippet.md (bench/results/
# is not committed). It never fails the build over a missed target; it exits 1
# only if a run fails.
#
#   bench/run.sh BUILD_DIR            (make bench)
#   BENCH_RUNS=30 bench/run.sh build  more runs (default 20 small, 20 and 7 large)
#   BENCH_MICRO=1 bench/run.sh build  also the Google Benchmark micro benchmarks
#   BENCH_BASELINE=/tmp/wt-1291/build bench/run.sh build
#                                     also times another build's dotk8s-post in
#                                     the same rounds as cat (an older commit
#                                     built in a worktree, docs/performance.md)
#   BENCH_CALLGRIND=0 bench/run.sh build  no instruction counts (no valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shared=${DOTK8S_SHARED:-../shared}
fixture=$shared/fixtures/upstream/helm4-all.yaml
post=$build/dotk8s-post
runner=$build/bench/dotk8s_bench_runner
make_stream=$build/bench/dotk8s_make_stream
kubectl=.tools/kubectl/kubectl
runs=${BENCH_RUNS:-20}
data=$build/bench-data
results=bench/results
mkdir -p "$data" "$results"

for need in "$post" "$runner" "$make_stream"; do
  [ -x "$need" ] || { echo "bench: $need is missing; run make build" >&2; exit 1; }
done
[ -f "$fixture" ] || { echo "bench: $fixture is missing (set DOTK8S_SHARED)" >&2; exit 1; }
log=$data/post.log

# The generated streams: copies of the fixture's documents with unique names,
# no settings document (dotk8s-post infers the settings, as for the fixture).
for mb in 10 100; do
  stream=$data/stream-${mb}MB.yaml
  if [ ! -s "$stream" ] || [ "$make_stream" -nt "$stream" ] || [ "$fixture" -nt "$stream" ]; then
    echo "bench: generating $stream: $("$make_stream" "$fixture" $((mb * 1000000)) "$stream")"
  fi
done

# kustomize as the usual post-renderer: a kustomization that sets a namespace
# and adds one resource, reading the rendered stream as a resource file.
kdir=$data/kustomize
mkdir -p "$kdir"
cp "$fixture" "$kdir/rendered.yaml"
cat > "$kdir/kustomization.yaml" <<'YAML'
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: dot-apps-bench
resources:
- rendered.yaml
- extra.yaml
YAML
cat > "$kdir/extra.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: dot-apps-bench-extra
data:
  added-by: kustomize
YAML

failures=()
# measure NAME RUNS WARMUP INPUT COMMAND...: sets m_<NAME>_{median,cpu,rss,fail}.
measure() {
  local name=$1 n=$2 warm=$3 input=$4
  shift 4
  local line
  if ! line=$("$runner" "$n" "$warm" "$input" -- "$@"); then
    failures+=("$name: could not run $*")
    line="0 0 0 0 0 0 0 $n"
  fi
  read -r median _mean _min _max cpu _rss_median rss_max failed <<<"$line"
  printf -v "m_${name}_median" '%s' "$median"
  printf -v "m_${name}_cpu" '%s' "$cpu"
  printf -v "m_${name}_rss" '%s' "$rss_max"
  if [ "$failed" != 0 ]; then failures+=("$name: $failed of $n runs failed (see above)"); fi
  echo "bench: $name: median $(awk -v s="$median" 'BEGIN { printf "%.1f ms", s * 1000 }'), cpu $(awk -v s="$cpu" 'BEGIN { printf "%.1f ms", s * 1000 }'), peak RSS $((rss_max / 1024)) MB"
}

size_of() { stat -c %s "$1"; }
small_bytes=$(size_of "$fixture")
bytes10=$(size_of "$data/stream-10MB.yaml")
bytes100=$(size_of "$data/stream-100MB.yaml")

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: load average before: $load_before (the figures assume a quiet machine)"
# cat and dotk8s-post take turns, in rounds: this VM's speed drifts by a
# fifth over a minute, and a ratio of two runs minutes apart measured the
# drift. Each figure is the median of its rounds' medians, and the ratio is
# the median of the rounds' ratios.
rounds=5
per_round=$(( (runs + rounds - 1) / rounds ))
baseline=${BENCH_BASELINE:-}
if [ -n "$baseline" ] && [ ! -x "$baseline/dotk8s-post" ]; then
  echo "bench: BENCH_BASELINE=$baseline has no dotk8s-post; build it first" >&2
  exit 1
fi
cat_rounds=(); post_rounds=(); base_rounds=()
for ((r = 1; r <= rounds; r++)); do
  measure cat "$per_round" 2 "$fixture" cat >/dev/null
  measure post "$per_round" 2 "$fixture" "$post" --log "$log" >/dev/null
  cat_rounds+=("$m_cat_median $m_cat_cpu $m_cat_rss")
  post_rounds+=("$m_post_median $m_post_cpu $m_post_rss")
  if [ -n "$baseline" ]; then
    measure base "$per_round" 2 "$fixture" "$baseline/dotk8s-post" --log "$log" >/dev/null
    base_rounds+=("$m_base_median $m_base_cpu $m_base_rss")
  fi
done
# median_of FIELD LINES...: the median of one field over the rounds (max for RSS).
median_of() {
  local field=$1
  shift
  printf '%s\n' "$@" | awk -v f="$field" '{ print $f }' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
max_of() { printf '%s\n' "${@:2}" | awk -v f="$1" '$f > m { m = $f } END { print m + 0 }'; }
m_cat_median=$(median_of 1 "${cat_rounds[@]}"); m_cat_cpu=$(median_of 2 "${cat_rounds[@]}"); m_cat_rss=$(max_of 3 "${cat_rounds[@]}")
m_post_median=$(median_of 1 "${post_rounds[@]}"); m_post_cpu=$(median_of 2 "${post_rounds[@]}"); m_post_rss=$(max_of 3 "${post_rounds[@]}")
ratios=()
for ((r = 0; r < rounds; r++)); do
  ratios+=("$(awk -v c="${cat_rounds[r]%% *}" -v p="${post_rounds[r]%% *}" 'BEGIN { print (c > 0 ? p / c : 0) }')")
done
m_ratio=$(median_of 1 "${ratios[@]}")
echo "bench: cat: median $(awk -v s="$m_cat_median" 'BEGIN { printf "%.2f ms", s * 1000 }'), dotk8s-post: median $(awk -v s="$m_post_median" 'BEGIN { printf "%.2f ms", s * 1000 }'); ratio per round: ${ratios[*]}"
m_base_median=0; m_base_cpu=0; m_base_rss=0; m_base_ratio=0; m_post_base_ratio=0
if [ -n "$baseline" ]; then
  m_base_median=$(median_of 1 "${base_rounds[@]}"); m_base_cpu=$(median_of 2 "${base_rounds[@]}"); m_base_rss=$(max_of 3 "${base_rounds[@]}")
  base_ratios=(); post_base_ratios=()
  for ((r = 0; r < rounds; r++)); do
    base_ratios+=("$(awk -v c="${cat_rounds[r]%% *}" -v b="${base_rounds[r]%% *}" 'BEGIN { print (c > 0 ? b / c : 0) }')")
    post_base_ratios+=("$(awk -v b="${base_rounds[r]%% *}" -v p="${post_rounds[r]%% *}" 'BEGIN { print (b > 0 ? p / b : 0) }')")
  done
  m_base_ratio=$(median_of 1 "${base_ratios[@]}")
  m_post_base_ratio=$(median_of 1 "${post_base_ratios[@]}")
  echo "bench: baseline $baseline/dotk8s-post: median $(awk -v s="$m_base_median" 'BEGIN { printf "%.2f ms", s * 1000 }'); dotk8s-post / baseline per round: ${post_base_ratios[*]}"
fi
if [ -x "$kubectl" ]; then
  measure kustomize "$(( runs < 10 ? runs : 10 ))" 1 "$fixture" "$kubectl" kustomize "$kdir"
else
  echo "bench: $kubectl is missing (make tools): kustomize not measured" >&2
  m_kustomize_median=0; m_kustomize_cpu=0; m_kustomize_rss=0
fi
# What validating against the real CRDs costs (issue 5): the fixtures' CRD
# directory; schemas are compiled only for the kinds the stream holds.
crds=$shared/fixtures/upstream/crds
measure post_crds "$runs" 3 "$fixture" "$post" --log "$log" --crds "$crds"
measure post_all "$runs" 3 "$fixture" "$post" --log "$log" --crds "$crds" --validate all
measure post10 20 2 "$data/stream-10MB.yaml" "$post" --log "$log"
measure post100 7 1 "$data/stream-100MB.yaml" "$post" --log "$log"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# Instructions (issue 20), after the timings so that they do not slow them:
# callgrind counts do not depend on the machine's load. The reference is
# 1291ed1 measured with the same script on its own build (a worktree), as
# docs/performance.md says; override it to compare with another build.
ref_plain=${BENCH_REF_INSTRUCTIONS:-33735456}
ref_crds=${BENCH_REF_INSTRUCTIONS_CRDS:-116308762}
ins_plain=0; ins_crds=0; callgrind_table=""
total_of() { sed -n '1s/.* M instructions (\([0-9]*\)).*/\1/p' <<<"$1"; }
if [ "${BENCH_CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null; then
  if callgrind_table=$(bench/callgrind.sh "$build" "$fixture") &&
     callgrind_crds=$(bench/callgrind.sh "$build" "$fixture" -- --crds "$crds"); then
    ins_plain=$(total_of "$callgrind_table")
    ins_crds=$(total_of "$callgrind_crds")
    echo "bench: instructions on helm4-all.yaml: $ins_plain (1291ed1: $ref_plain), with --crds: $ins_crds (1291ed1: $ref_crds)"
  else
    failures+=("callgrind: bench/callgrind.sh failed")
  fi
else
  echo "bench: no valgrind (or BENCH_CALLGRIND=0): instructions not counted" >&2
fi

micro=""
if [ "${BENCH_MICRO:-0}" = 1 ] && [ -x "$build/bench/dotk8s_read_bench" ]; then
  micro=$(DOTK8S_SHARED=$shared "$build/bench/dotk8s_read_bench" --benchmark_min_time=0.5 2>/dev/null || true)
fi

# The table, the targets and the two Markdown files.
awk -v cat="$m_cat_median" -v post="$m_post_median" -v kust="$m_kustomize_median" -v ratio="$m_ratio" \
    -v post_cpu="$m_post_cpu" -v cat_cpu="$m_cat_cpu" -v kust_cpu="$m_kustomize_cpu" \
    -v p10="$m_post10_median" -v p100="$m_post100_median" -v c10="$m_post10_cpu" -v c100="$m_post100_cpu" \
    -v rss_small="$m_post_rss" -v rss10="$m_post10_rss" -v rss100="$m_post100_rss" -v rss_cat="$m_cat_rss" \
    -v rss_kust="$m_kustomize_rss" \
    -v pcrds="$m_post_crds_median" -v pcrds_cpu="$m_post_crds_cpu" -v rss_crds="$m_post_crds_rss" \
    -v pall="$m_post_all_median" -v pall_cpu="$m_post_all_cpu" -v rss_all="$m_post_all_rss" \
    -v b_small="$small_bytes" -v b10="$bytes10" -v b100="$bytes100" \
    -v base="$m_base_median" -v base_cpu="$m_base_cpu" -v rss_base="$m_base_rss" -v base_ratio="$m_base_ratio" \
    -v post_base="$m_post_base_ratio" -v baseline="$baseline" \
    -v ins_plain="$ins_plain" -v ins_crds="$ins_crds" -v ref_plain="$ref_plain" -v ref_crds="$ref_crds" \
    -v date="$(date -u +%Y-%m-%dT%H:%MZ)" -v cpu_model="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
    -v cores="$(nproc)" -v load_before="$load_before" -v load_after="$load_after" \
    -v version="$("$post" --version)" -v runs="$runs" -v latest="$results/latest.md" -v snippet="$results/readme-snippet.md" '
function ms(s) { return sprintf("%.1f ms", s * 1000) }
function mb(kb) { return sprintf("%.1f MB", kb / 1024) }
function verdict(ok) { return ok ? "PASS" : "MISS" }
function row(name, value, target, ok) {
  table = table sprintf("| %s | %s | %s | %s |\n", name, value, target, target == "" ? "" : verdict(ok))
  if (target != "") targets++
  if (!ok) misses++
}
BEGIN {
  r_cat = ratio
  r_kust = post > 0 ? kust / post : 0
  mbs10 = p10 > 0 ? b10 / 1e6 / p10 : 0
  mbs100 = p100 > 0 ? b100 / 1e6 / p100 : 0
  growth = p10 > 0 ? p100 / p10 : 0
  size_ratio = b10 > 0 ? b100 / b10 : 0
  lim_small = (2 * b_small) / 1024 + 16 * 1024
  lim10 = (2 * b10) / 1024 + 16 * 1024
  lim100 = (2 * b100) / 1024 + 16 * 1024
  times = "| run | input | median (wall) | CPU (user+sys) | peak RSS |\n|---|---|---|---|---|\n"
  times = times sprintf("| cat | helm4-all.yaml, %.2f MB | %s | %s | %s |\n", b_small / 1e6, ms(cat), ms(cat_cpu), mb(rss_cat))
  times = times sprintf("| dotk8s-post | helm4-all.yaml, %.2f MB | %s | %s | %s |\n", b_small / 1e6, ms(post), ms(post_cpu), mb(rss_small))
  if (baseline != "") times = times sprintf("| %s/dotk8s-post (baseline, same rounds) | helm4-all.yaml, %.2f MB | %s | %s | %s |\n", baseline, b_small / 1e6, ms(base), ms(base_cpu), mb(rss_base))
  times = times sprintf("| dotk8s-post --crds (injected objects validated) | helm4-all.yaml, %.2f MB | %s | %s | %s |\n", b_small / 1e6, ms(pcrds), ms(pcrds_cpu), mb(rss_crds))
  times = times sprintf("| dotk8s-post --crds --validate all | helm4-all.yaml, %.2f MB | %s | %s | %s |\n", b_small / 1e6, ms(pall), ms(pall_cpu), mb(rss_all))
  times = times sprintf("| kubectl kustomize | helm4-all.yaml, %.2f MB | %s | %s | %s |\n", b_small / 1e6, ms(kust), ms(kust_cpu), mb(rss_kust))
  times = times sprintf("| dotk8s-post | generated, %.1f MB | %s | %s | %s |\n", b10 / 1e6, ms(p10), ms(c10), mb(rss10))
  times = times sprintf("| dotk8s-post | generated, %.1f MB | %s | %s | %s |\n", b100 / 1e6, ms(p100), ms(c100), mb(rss100))

  table = "| target | measured | limit | |\n|---|---|---|---|\n"
  row("dotk8s-post / cat on helm4-all.yaml", sprintf("%.1fx", r_cat), "at most 7x", r_cat > 0 && r_cat <= 7)
  if (baseline != "") {
    row("baseline / cat on helm4-all.yaml", sprintf("%.1fx", base_ratio), "", 1)
    row("dotk8s-post / baseline on helm4-all.yaml (wall, same rounds)", sprintf("%.2fx", post_base), "", 1)
  }
  if (ins_plain > 0) {
    row("instructions on helm4-all.yaml (callgrind, bench/callgrind.sh)", sprintf("%.2f M (%+.1f%%)", ins_plain / 1e6, 100 * (ins_plain / ref_plain - 1)),
        sprintf("at most %.2f M (1291ed1)", ref_plain / 1e6), ins_plain <= ref_plain)
    row("instructions with --crds", sprintf("%.2f M (%+.1f%%)", ins_crds / 1e6, 100 * (ins_crds / ref_crds - 1)),
        sprintf("at most %.2f M (1291ed1)", ref_crds / 1e6), ins_crds > 0 && ins_crds <= ref_crds)
  }
  row("kustomize / dotk8s-post on helm4-all.yaml", sprintf("%.1fx", r_kust), "at least 20x", r_kust >= 20)
  row("throughput on 10 MB", sprintf("%.0f MB/s", mbs10), "", 1)
  row("throughput on 100 MB", sprintf("%.0f MB/s", mbs100), "at least 150 MB/s", mbs100 >= 150)
  row("peak RSS on helm4-all.yaml", mb(rss_small), sprintf("at most %s", mb(lim_small)), rss_small > 0 && rss_small <= lim_small)
  row("peak RSS on 10 MB", mb(rss10), sprintf("at most %s", mb(lim10)), rss10 > 0 && rss10 <= lim10)
  row("peak RSS on 100 MB", mb(rss100), sprintf("at most %s", mb(lim100)), rss100 > 0 && rss100 <= lim100)
  row("growth: 100 MB time / 10 MB time", sprintf("%.1fx (inputs %.1fx)", growth, size_ratio), "about 10x (at most 1.25x the size ratio)", growth > 0 && growth <= 1.25 * size_ratio)

  printf "\n%s\n%s\n", times, table
  printf "bench: %d of %d targets missed; load average %s before, %s after\n", misses, targets, load_before, load_after

  print "# dotk8s-post benchmark" > latest
  printf "\n%s, %s; %s, %d cores; load average %s before, %s after.\n", date, version, cpu_model, cores, load_before, load_after > latest
  printf "cat and dotk8s-post in five alternating rounds of %d runs (medians of the round medians; the ratio is the median of the round ratios); otherwise medians of %d runs (10 for kustomize, 20 and 7 for the large streams). stdin from the file, stdout to /dev/null, no shell in between (bench/bench_runner.cc).\n\n", int((runs + 4) / 5), runs > latest
  printf "%s\n%s", times, table > latest
  close(latest)

  printf "| input | dotk8s-post | cat | kubectl kustomize |\n|---|---|---|---|\n" > snippet
  printf "| helm4-all.yaml, the five charts (%.1f MB) | %s, peak RSS %s | %s | %s |\n", b_small / 1e6, ms(post), mb(rss_small), ms(cat), ms(kust) > snippet
  printf "| helm4-all.yaml, validated against the CRDs (`--crds`; `--validate all`) | %s; %s | | |\n", ms(pcrds), ms(pall) > snippet
  printf "| generated stream, %.0f MB | %s (%.0f MB/s), peak RSS %s | | |\n", b10 / 1e6, ms(p10), mbs10, mb(rss10) > snippet
  printf "| generated stream, %.0f MB | %s (%.0f MB/s), peak RSS %s | | |\n", b100 / 1e6, ms(p100), mbs100, mb(rss100) > snippet
  printf "\nTargets: at most 7x cat: %.1fx, %s; at least 20x faster than kustomize: %.0fx, %s; at least 150 MB/s on 100 MB: %s; peak RSS at most 2x the input + 16 MB: %s; linear growth (100 MB / 10 MB: %.1fx): %s.\n", r_cat, verdict(r_cat > 0 && r_cat <= 7), r_kust, verdict(r_kust >= 20), verdict(mbs100 >= 150), verdict(rss_small > 0 && rss_small <= lim_small && rss10 > 0 && rss10 <= lim10 && rss100 > 0 && rss100 <= lim100), growth, verdict(growth > 0 && growth <= 1.25 * size_ratio) > snippet
  printf "Medians measured by `make bench` on %s (%d cores), %s, load average %s.\n", cpu_model, cores, date, load_before > snippet
  close(snippet)
}'
if [ -n "$micro" ]; then
  { echo; echo "## Micro benchmarks (bench/read_bench.cc)"; echo; echo '```'; echo "$micro"; echo '```'; } >> "$results/latest.md"
  echo "$micro"
fi
if [ "$ins_plain" != 0 ]; then
  { echo; echo "## Instructions per pass (bench/callgrind.sh; 1291ed1: $ref_plain, with --crds $ref_crds)"; echo
    echo "$callgrind_table"; echo; echo "$callgrind_crds"; } >> "$results/latest.md"
  echo "$callgrind_table"
  printf 'Instructions (callgrind, `bench/callgrind.sh`): %.2f M on helm4-all.yaml, %.2f M with --crds; 1291ed1: %.2f M and %.2f M.\n' \
    "$(awk -v n="$ins_plain" 'BEGIN { print n / 1e6 }')" "$(awk -v n="$ins_crds" 'BEGIN { print n / 1e6 }')" \
    "$(awk -v n="$ref_plain" 'BEGIN { print n / 1e6 }')" "$(awk -v n="$ref_crds" 'BEGIN { print n / 1e6 }')" >> "$results/readme-snippet.md"
fi
echo "bench: wrote $results/latest.md and $results/readme-snippet.md"
if [ ${#failures[@]} -gt 0 ]; then
  printf 'bench: FAILED: %s\n' "${failures[@]}" >&2
  exit 1
fi
