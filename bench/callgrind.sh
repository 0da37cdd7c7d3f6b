#!/usr/bin/env bash
# Instructions per pass of dotk8s-post, by callgrind: counts that do not
# depend on the machine's load, so two builds (today's and an older commit's,
# built in a worktree) compare on any day.
#
#   bench/callgrind.sh BUILD_DIR [INPUT] [-- DOTK8S_POST_FLAGS...]
#   bench/callgrind.sh build                          helm4-all.yaml, no flags
#   bench/callgrind.sh /tmp/wt-1291/build             the same for an older build
#   bench/callgrind.sh build "" -- --crds ../shared/fixtures/upstream/crds
#
# Runs `BUILD_DIR/dotk8s-post --threads 1 --log FILE [FLAGS] < INPUT` once
# under valgrind --tool=callgrind (one thread: a second one adds its start-up
# and makes the split of work vary between runs), then prints, from
# callgrind_annotate --inclusive=yes, the inclusive instructions of each pass
# RunPostRenderer (src/core/pipeline.cc) calls, of what main does around it,
# and the program's total. A pass whose code the compiler spread over several
# source files (inlined headers) is summed over them. Passes the build does not
# have (an older commit) show "-". The callgrind file stays in
# $CALLGRIND_OUT (default: a temporary file, removed) for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: bench/callgrind.sh BUILD_DIR [INPUT] [-- FLAGS...]}
shift
input=${DOTK8S_SHARED:-../shared}/fixtures/upstream/helm4-all.yaml
if [ $# -gt 0 ] && [ "$1" != -- ]; then
  [ -n "$1" ] && input=$1
  shift
fi
[ $# -gt 0 ] && [ "$1" = -- ] && shift
post=$build/dotk8s-post
[ -x "$post" ] || { echo "callgrind.sh: $post is missing; build it first" >&2; exit 1; }
[ -f "$input" ] || { echo "callgrind.sh: $input is missing (set DOTK8S_SHARED or name the input)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${CALLGRIND_OUT:-$work/callgrind.out}
if ! valgrind --tool=callgrind --compress-strings=no --compress-pos=no --callgrind-out-file="$out" "$post" --threads 1 --log "$work/post.log" "$@" \
    <"$input" >"$work/stdout" 2>"$work/valgrind.txt"; then
  echo "callgrind.sh: dotk8s-post failed on $input:" >&2
  grep -v '^==' "$work/valgrind.txt" >&2 || true
  exit 1
fi
total=$(awk '/Collected :/ { print $NF }' "$work/valgrind.txt")

# The file written with uncompressed names and positions: "fn=NAME" opens a
# function's block (a function may have several), each "LINE COUNT" after it
# is its own cost or, after "calls=", the inclusive cost of one call. Their
# sum is the function's inclusive count (as callgrind_annotate --inclusive
# computes it; none of the passes is recursive, which would count twice).
awk -v total="$total" -v input="$input" -v bytes="$(stat -c %s "$input")" -v build="$build" '
function show(label, name,   n) {
  if (!(name in inclusive)) { printf "| %s | - | |\n", label; return }
  n = inclusive[name]
  printf "| %s | %.2f M | %.1f%% |\n", label, n / 1e6, 100 * n / total
}
/^fn=/ {
  name = substr($0, 4)
  # Only dotk8s functions themselves, not their lambdas: "F(args)::{lambda..."
  if (name !~ /^dotk8s::/ || name ~ /\)( const)?::/) { name = ""; next }
  sub(/\(.*/, "", name)
  sub(/^dotk8s::/, "", name)
  next
}
/^[0-9]+ [0-9]+$/ { if (name != "") inclusive[name] += $2 }
END {
  printf "%s on %s (%d bytes), dotk8s-post --threads 1: %.2f M instructions (%d), %.1f per input byte\n\n", build, input, bytes, total / 1e6, total, total / bytes
  print "| part | instructions | share |"
  print "|---|---|---|"
  show("whole pipeline, `RunPostRenderer`", "RunPostRenderer")
  show("read: `ReadStream` (split + outlines)", "ReadStream")
  show("`CheckObjectShapes`", "CheckObjectShapes")
  show("`AttributeComponents`", "AttributeComponents")
  show("`ResolveSettings`", "ResolveSettings")
  show("`EnforceConditions`", "EnforceConditions")
  show("`KeepOneCopyOfEachCrd`", "KeepOneCopyOfEachCrd")
  show("`KindScopes::AddDefinitions`", "KindScopes::AddDefinitions")
  show("`PlaceNamespaces`", "PlaceNamespaces")
  show("`InjectObjects`", "InjectObjects")
  show("`PrepareLifecycle`", "PrepareLifecycle")
  show("`ValidateAgainstCrds`", "ValidateAgainstCrds")
  show("`CheckDuplicates`", "CheckDuplicates")
  show("`WriteStream`", "WriteStream")
  printf "| total (also start-up, reading stdin, writing) | %.2f M | 100%% |\n", total / 1e6
}' "$out"
