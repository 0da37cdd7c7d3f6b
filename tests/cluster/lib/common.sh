# shellcheck shell=bash disable=SC2034  # variables shared with the other files run.sh sources
# The cluster suite's plumbing: output, the command runner, kubectl reads and
# failure accounting. Sourced by tests/cluster/run.sh.
#
# Every command that changes the cluster goes through run_cmd, which prints it
# and keeps its stdout and stderr apart in the step's log directory (so the
# Secret check can read what each command printed). Under --print (PRINT_ONLY=1)
# run_cmd only prints: that is the plan, and it needs no cluster.

PRINT_ONLY=${PRINT_ONLY:-0}
STEP_FAIL_FILE="" # one line per failure of the current step (a file: checks run in subshells too)
STEP_CHECKS=0     # checks evaluated in the current step
STEP_LOG_DIR=""   # where run_cmd writes the current step's logs
CMD_INDEX=0       # numbers the logs of a step in the order the commands ran
RUN_DIR=""        # when set, run_cmd runs its command in this directory

say() { printf '%s\n' "$*"; }
note() { printf '   note: %s\n' "$*"; }
warn() { printf '   warn: %s\n' "$*"; }

# die MESSAGE [HINT]...: a precondition or usage error; nothing was changed.
die() {
  printf 'cluster-test: %s\n' "$1" >&2
  shift
  local hint
  for hint in "$@"; do printf '  hint: %s\n' "$hint" >&2; done
  exit 2
}

# fail MESSAGE: one failed check of the current step; the step goes on. It
# writes to fd 3 (the terminal, opened by run.sh) and to STEP_FAIL_FILE, so a
# failure inside $(...) still reaches both.
fail() {
  printf '   FAIL: %s\n' "$*" >&3
  printf '%s\n' "$*" >>"${STEP_FAIL_FILE:-$WORK/failures}"
}

step_failures() {  # how many failures the current step has had
  if [ -s "$STEP_FAIL_FILE" ]; then wc -l <"$STEP_FAIL_FILE" | tr -d ' '; else echo 0; fi
}

# check DESCRIPTION: starts a check. Under --print it prints the description
# and returns 1, so the caller skips the evaluation (there is nothing to read).
# Use: check "..." || return 0
check() {
  if [ "$PRINT_ONLY" = 1 ]; then
    printf '   check: %s\n' "$*"
    return 1
  fi
  STEP_CHECKS=$((STEP_CHECKS + 1))
  return 0
}

# quote_command CMD...: QUOTED, a line a shell would read back as CMD (single
# quotes where needed, so jsonpath templates stay readable). No subshell: the
# plan prints thousands of lines.
quote_command() {
  local out="" arg squote="'"
  for arg in "$@"; do
    if [[ -n $arg && $arg =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
      out+=" $arg"
    else
      out+=" '${arg//$squote/$squote\\$squote$squote}'"
    fi
  done
  QUOTED=${out# }
}

print_command() {  # REDIRECT CMD...: the line the plan and the log show
  local redirect=$1
  shift
  quote_command "$@"
  local line=$QUOTED
  if [ -n "$RUN_DIR" ]; then line="(cd $RUN_DIR && $line)"; fi
  printf '   $ %s%s\n' "$line" "$redirect"
}

# run_cmd LABEL CMD...: runs CMD, stdout and stderr into STEP_LOG_DIR/NN-LABEL.out/.err.
# Returns CMD's exit code. On failure prints the end of both (unless they hold
# Secret data: the suite must not leak what it checks the product does not leak).
run_cmd() {
  local label=$1
  shift
  print_command "" "$@"
  [ "$PRINT_ONLY" = 1 ] && return 0
  run_logged "$label" "" "$@"
}

# run_cmd_to FILE LABEL CMD...: like run_cmd, but stdout goes to FILE (rendered
# manifests: they hold Secrets, so they are not a log and are not shown).
run_cmd_to() {
  local target=$1 label=$2
  shift 2
  print_command " > $target" "$@"
  [ "$PRINT_ONLY" = 1 ] && return 0
  run_logged "$label" "$target" "$@"
}

run_logged() {
  local label=$1 target=$2
  shift 2
  CMD_INDEX=$((CMD_INDEX + 1))
  local base
  printf -v base '%s/%02d-%s' "$STEP_LOG_DIR" "$CMD_INDEX" "$label"
  LAST_CMD_LOG=$base  # LAST_CMD_LOG.err, .out: what the last command printed
  local out="$base.out" rc=0
  [ -n "$target" ] && out=$target
  : >"$base.out"
  print_command "" "$@" >"$base.cmd"
  if [ -n "$RUN_DIR" ]; then
    (cd "$RUN_DIR" && "$@") >"$out" 2>"$base.err" </dev/null || rc=$?
  else
    "$@" >"$out" 2>"$base.err" </dev/null || rc=$?
  fi
  if [ "$rc" -ne 0 ]; then
    printf '     exit %s; logs: %s.{err,out}\n' "$rc" "$base"
    show_log_tail "$base.err"
    [ -n "$target" ] || show_log_tail "$base.out"
  fi
  return "$rc"
}

show_log_tail() {
  local file=$1
  [ -s "$file" ] || return 0
  if log_has_secret_data "$file"; then
    printf '     | (%s withheld: it holds Secret data, see the Secret check)\n' "${file##*/}"
    return 0
  fi
  tail -n "${LOG_TAIL_LINES:-15}" "$file" | sed 's/^/     | /'
}

# The suite's own reads of the cluster. Not logged and not part of the plan's
# command list: each check says in its description what it reads.
#
# kget ARGS...: kubectl get ARGS --ignore-not-found; prints the output. An object
# whose kind is not served (its CRD is gone) counts as absent. Any other error
# is a failure of the step (an unreadable cluster proves nothing), and prints nothing.
kget() {
  local out err rc=0
  err=$(mktemp "$WORK/kget.XXXXXX")
  out=$("$KUBECTL" get "$@" --ignore-not-found --request-timeout=60s 2>"$err") || rc=$?
  if [ "$rc" -ne 0 ]; then
    if grep -q -e "doesn't have a resource type" -e 'no matches for kind' "$err"; then
      rc=0
      out=""
    else
      fail "could not read: kubectl get $* ($(head -c 300 "$err"))"
    fi
  fi
  rm -f "$err"
  if [ "$rc" -eq 0 ] && [ -n "$out" ]; then printf '%s\n' "$out"; fi
  return 0
}

# kfield KIND NAME NAMESPACE JSONPATH: one field of one object ("" when absent).
kfield() {
  local kind=$1 name=$2 ns=$3 path=$4
  if [ -n "$ns" ]; then
    kget "$kind" "$name" -n "$ns" -o "jsonpath=$path"
  else
    kget "$kind" "$name" -o "jsonpath=$path"
  fi
}

# kexists KIND NAME [NAMESPACE]: succeeds when the object exists.
kexists() {
  local found
  found=$(kfield "$1" "$2" "${3:-}" '{.metadata.uid}')
  [ -n "$found" ]
}

# The Secret check. needles: the live Grafana admin password, plain and base64,
# collected from the cluster whenever it exists (kept in WORK, mode 600, never
# printed). Shapes: a Secret data key of the charts followed by a value, which is
# what a printed manifest looks like whatever the password was at render time.
SECRET_SHAPES='^[[:space:]]*(admin-password|admin-user|alertmanager\.yaml|ldap-toml|tls\.key):[[:space:]]*"?[A-Za-z0-9+/=]{4,}'

log_has_secret_data() {
  local file=$1
  if [ -s "$WORK/secret-needles" ] && grep -q -F -f "$WORK/secret-needles" "$file"; then return 0; fi
  grep -q -E "$SECRET_SHAPES" "$file"
}

collect_secret_needles() {
  [ "$PRINT_ONLY" = 1 ] && return 0
  local encoded plain
  encoded=$("$KUBECTL" get secret dot-apps-grafana -n prometheus-system --ignore-not-found \
    -o 'jsonpath={.data.admin-password}' 2>/dev/null) || encoded=""
  [ -n "$encoded" ] || return 0
  plain=$(printf '%s' "$encoded" | base64 -d 2>/dev/null) || plain=""
  (
    umask 077
    printf '%s\n' "$encoded" >>"$WORK/secret-needles"
    # A short plain value would match innocent text; its base64 form is still checked.
    if [ "${#plain}" -ge 6 ]; then printf '%s\n' "$plain" >>"$WORK/secret-needles"; fi
    sort -u -o "$WORK/secret-needles" "$WORK/secret-needles"
  )
}

contains_word() {  # WORD LIST...
  local word=$1 item
  shift
  for item in "$@"; do [ "$item" = "$word" ] && return 0; done
  return 1
}
