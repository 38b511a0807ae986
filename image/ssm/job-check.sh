#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Is a job running on this instance? Asked by the fleet sweeper before it calls an instance idle
# (DESIGN.md: ask the instance, never guess from CPU). Two samples SAMPLE_SECONDS apart (an image
# pull has no container yet), each counting:
#   - running containers with gitlab-runner's `com.gitlab.gitlab-runner.*` labels (distinct job
#     ids; containers only, volumes and networks keep the labels after a job);
#   - established TCP connections to port 22 (the runner reaches instances over SSH, the
#     docker-autoscaler executor too; `who` misses sessions without a terminal);
#   - processes of the connector user (CONNECTOR_USER; empty skips it), but its systemd user
#     manager, which outlives a session for a while.
# Output: progress lines, then `JOBS <n>` (the most seen in one sample) and `RESULT busy` or
# `RESULT idle`, exit 0. When it cannot tell (docker installed but not answering, no `ss`), the
# last line is `RESULT fail: <reason>`, exit 1: the sweeper then counts the instance as unknown.
# Read-only; prints counts, never container names, users' commands or addresses.
set -euo pipefail
[ "$(type -t log)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SAMPLE_SECONDS=${SAMPLE_SECONDS:-5}
CONNECTOR_USER=${CONNECTOR_USER:-}
RUNNER_LABEL=com.gitlab.gitlab-runner.

answer() {
  _result_printed=1
  log "JOBS $1"
  log "RESULT $2"
  exit 0
}

# Distinct jobs among running containers; 1 for runner containers without a job id label.
container_jobs() {
  local lines jobs
  command -v docker >/dev/null || {
    echo 0
    return 0
  }
  lines=$(docker ps --no-trunc --format json 2>/dev/null) || return 1
  lines=$(printf '%s\n' "$lines" | grep -F "$RUNNER_LABEL" || true)
  [ -n "$lines" ] || {
    echo 0
    return 0
  }
  jobs=$(printf '%s\n' "$lines" | { grep -oE 'com\.gitlab\.gitlab-runner\.job\.id=[0-9]+' || true; } | sort -u | wc -l)
  [ "$jobs" -gt 0 ] || jobs=1
  echo "$jobs"
}

ssh_sessions() {
  local out
  out=$(ss -Htn state established '( sport = :22 )') || return 1
  printf '%s\n' "$out" | grep -c . || true
}

# Processes of the connector user, but its `systemd --user` manager and `(sd-pam)`.
user_processes() {
  local out
  [ -n "$CONNECTOR_USER" ] || {
    echo 0
    return 0
  }
  id -u "$CONNECTOR_USER" >/dev/null 2>&1 || {
    echo 0
    return 0
  }
  out=$(ps -u "$CONNECTOR_USER" -o comm= 2>/dev/null || true)
  printf '%s\n' "$out" | grep -vxE 'systemd|\(sd-pam\)|' | grep -c . || true
}

most=0
for sample in 1 2; do
  [ "$sample" -eq 1 ] || sleep "$SAMPLE_SECONDS"
  containers=$(container_jobs) || fail "docker is installed but does not answer: cannot tell whether a job runs"
  sessions=$(ssh_sessions) || fail "ss could not list connections: cannot tell whether a job runs"
  processes=$(user_processes)
  log "sample $sample: $containers job container group(s), $sessions ssh session(s), $processes process(es) of ${CONNECTOR_USER:-no connector user}"
  jobs=$containers
  [ "$sessions" -le "$jobs" ] || jobs=$sessions
  [ "$processes" -eq 0 ] || [ "$jobs" -gt 0 ] || jobs=1
  [ "$jobs" -le "$most" ] || most=$jobs
done

if [ "$most" -gt 0 ]; then answer "$most" busy; fi
answer 0 idle
