#!/bin/bash
# Helpers shared by the scripts that SSM Run Command runs on instances. The document inlines this
# file before each script, so a script sources it only when run on its own (tests, by hand).
#
# Output contract (a Lambda reads an excerpt of stdout): progress lines, then exactly one last line
# `RESULT pass[: <detail>]` or `RESULT fail: <reason>`, and exit 0 only with `RESULT pass`.
# Nothing printed may be secret: print states, counts and versions, never file contents or tokens.

log() { printf '%s\n' "$*"; }

# The rollout passes its fleet and candidate as parameters so the command can be traced back.
[ -z "${AUTOPILOT_FLEET:-}${AUTOPILOT_CANDIDATE_ID:-}" ] ||
  log "runner-autopilot fleet ${AUTOPILOT_FLEET:-?} candidate ${AUTOPILOT_CANDIDATE_ID:-?}"

_result_printed=0
pass() {
  _result_printed=1
  log "RESULT pass${1:+: $1}"
  exit 0
}
fail() {
  _result_printed=1
  log "RESULT fail: $*"
  exit 1
}

# Paths removed however the script ends (throwaway keys, scratch files).
_cleanup_paths=()
remove_on_exit() { _cleanup_paths+=("$@"); }

# An error that set -e turned into an exit, or a signal, still ends with a RESULT line.
_on_exit() {
  local status=$?
  if [ "${#_cleanup_paths[@]}" -gt 0 ]; then rm -rf -- "${_cleanup_paths[@]}"; fi
  if [ "$_result_printed" -eq 0 ]; then
    log "RESULT fail: unexpected error (exit $status)"
    [ "$status" -ne 0 ] || exit 1
  fi
}
trap _on_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# require_env NAME...: fails with one RESULT line naming every unset or empty variable.
require_env() {
  local name missing=()
  for name in "$@"; do
    [ -n "${!name:-}" ] || missing+=("$name")
  done
  [ "${#missing[@]}" -eq 0 ] || fail "missing environment: ${missing[*]}"
}

# `check <what> <command...>` records a failure instead of stopping, so one run reports every
# failed check; `finish_checks` then prints the RESULT line. A check prints no output of its own
# except `note` lines (wrap noisy commands with `quiet`).
failures=()
checks=0
check() {
  local what=$1
  shift
  checks=$((checks + 1))
  if "$@"; then
    log "ok: $what"
  else
    log "FAIL: $what"
    failures+=("$what")
  fi
}
note() { log "  $*"; }
quiet() { "$@" >/dev/null; }
finish_checks() {
  local joined skipped=""
  if [ "${#_skipped[@]}" -gt 0 ]; then
    joined=$(printf '%s, ' "${_skipped[@]}")
    skipped=" (skipped: ${joined%, })"
  fi
  [ "${#failures[@]}" -gt 0 ] || pass "$checks checks$skipped"
  joined=$(printf '%s; ' "${failures[@]}")
  fail "${#failures[@]} of $checks checks failed$skipped: ${joined%; }"
}

# CHECKS (the document's `Checks` parameter) names the checks to run, comma-separated; unset or
# empty: all. `select_checks NAME...` takes the script's check names, fails on a name it does not
# know and prints the ones left out (the RESULT line repeats them); `selected NAME` then tells
# whether a check runs. Guard each check with `if selected NAME`, so a skipped one runs nothing.
_selected=()
_skipped=()
_is_one_of() {
  local item=$1 other
  shift
  for other in "$@"; do [ "$item" != "$other" ] || return 0; done
  return 1
}
select_checks() {
  local name wanted=() known
  IFS=, read -r -a wanted <<<"${CHECKS:-}"
  [ "${#wanted[@]}" -gt 0 ] || wanted=("$@")
  known=$(printf '%s, ' "$@")
  for name in "${wanted[@]}"; do
    _is_one_of "$name" "$@" || fail "unknown check \"$name\" in CHECKS: use ${known%, }"
  done
  for name in "$@"; do
    if _is_one_of "$name" "${wanted[@]}"; then _selected+=("$name"); else _skipped+=("$name"); fi
  done
  [ "${#_skipped[@]}" -eq 0 ] || log "skipped (not configured): ${_skipped[*]}"
}
selected() { _is_one_of "$1" "${_selected[@]}"; }

# The AWS CLI needs a Region: the document's, else this instance's own from IMDSv2.
ensure_region() {
  local imds=${IMDS_URL:-http://169.254.169.254} token
  if [ -z "${AWS_REGION:-}" ]; then
    token=$(curl -sS --max-time 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$imds/latest/api/token") &&
      AWS_REGION=$(curl -sS --max-time 2 -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/placement/region") ||
      AWS_REGION=""
  fi
  [ -n "$AWS_REGION" ] || fail "no AWS Region: pass the Region parameter or allow IMDSv2"
  export AWS_REGION AWS_DEFAULT_REGION="$AWS_REGION"
}

# The version `gitlab-runner --version` reports ("Version:      18.6.2").
runner_version() { gitlab-runner --version 2>/dev/null | awk '/^Version:/ { print $2; exit }'; }
runner_version_is() {
  local actual
  actual=$(runner_version)
  [ "$actual" = "$1" ] || {
    note "found \"$actual\""
    return 1
  }
}

# GitLab answers over HTTPS: any HTTP status below 500 within the timeout (a 401 or 302 still
# proves TLS, DNS and routing). No redirect is followed and plain http is refused.
gitlab_answers() {
  local code
  case "$1" in https://*) ;; *)
    note "not an https URL"
    return 1
    ;;
  esac
  code=$(curl -sS -o /dev/null -w '%{http_code}' --proto '=https' --max-time "${HTTP_TIMEOUT_SECONDS:-10}" "$1") || true
  case "$code" in [1-4][0-9][0-9]) ;; *)
    note "HTTP status \"${code:-none}\""
    return 1
    ;;
  esac
}
