#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Canary smoke test ON a manager instance launched from a candidate launch template version. The
# runner must be installed but NOT running: a second manager on the fleet's groups would delete
# the live manager's instances (and kill their jobs). Reports every failed check in one run.
# CHECKS picks the checks: gitlab-runner (its version), fleeting-plugin, job-groups, gitlab-url; all
# by default. That the runner does not run is checked always: it guards the live manager's jobs.
set -euo pipefail
[ "$(type -t check)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_env RUNNER_VERSION JOB_GROUPS GITLAB_URL
select_checks gitlab-runner fleeting-plugin job-groups gitlab-url
FLEETING_PLUGIN_VERSION=${FLEETING_PLUGIN_VERSION:-}
FLEETING_PLUGIN_PATH=${FLEETING_PLUGIN_PATH:-/usr/local/lib/fleeting/plugins}
# Only the AWS CLI of the job-groups check needs a Region.
if selected job-groups; then ensure_region; fi

runner_not_running() {
  local state
  state=$(systemctl is-active gitlab-runner.service 2>/dev/null || true)
  case "$state" in inactive | failed | unknown | "") ;; *)
    note "gitlab-runner.service is $state"
    return 1
    ;;
  esac
  if pgrep -x gitlab-runner >/dev/null; then
    note "a gitlab-runner process runs outside the service"
    return 1
  fi
}

# With a version: `gitlab-runner fleeting list`, which reads the plugin reference from a config
# file (a throwaway one), as the in-image test does. Without: any installed aws plugin binary.
plugin_installed() {
  local work
  if [ -z "$FLEETING_PLUGIN_VERSION" ]; then
    find "${ROOT:-}$FLEETING_PLUGIN_PATH" -type f -name plugin -path '*/fleeting/plugins/aws/*' 2>/dev/null | grep -q . ||
      {
        note "no aws plugin under $FLEETING_PLUGIN_PATH"
        return 1
      }
    return 0
  fi
  work=$(mktemp -d)
  remove_on_exit "$work"
  printf '%s\n' '[[runners]]' '  name = "fleeting-plugin"' '  url = "https://gitlab.invalid"' \
    '  token = "unused"' '  executor = "docker-autoscaler"' '  [runners.autoscaler]' \
    "    plugin = \"aws:$FLEETING_PLUGIN_VERSION\"" >"$work/config.toml"
  FLEETING_PLUGIN_PATH="${ROOT:-}$FLEETING_PLUGIN_PATH" gitlab-runner fleeting -c "$work/config.toml" list 2>/dev/null |
    grep -qF "$FLEETING_PLUGIN_VERSION"
}

# The instance profile can describe every job group the runner will scale (comma-separated names).
describes_job_groups() {
  local names found group missing=()
  IFS=, read -r -a names <<<"$JOB_GROUPS"
  found=$(aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names "${names[@]}" \
    --query 'AutoScalingGroups[].AutoScalingGroupName' --output text) || return 1
  for group in "${names[@]}"; do
    tr '\t' '\n' <<<"$found" | grep -qxF "$group" || missing+=("$group")
  done
  [ "${#missing[@]}" -eq 0 ] || {
    note "not found: ${missing[*]}"
    return 1
  }
}

check "gitlab-runner not running (a canary never runs a second manager)" runner_not_running
if selected gitlab-runner; then check "gitlab-runner $RUNNER_VERSION" runner_version_is "$RUNNER_VERSION"; fi
if selected fleeting-plugin; then
  check "fleeting-plugin-aws ${FLEETING_PLUGIN_VERSION:-(any version)} installed" plugin_installed
fi
if selected job-groups; then check "instance profile describes job groups $JOB_GROUPS" describes_job_groups; fi
if selected gitlab-url; then check "GitLab answers at $GITLAB_URL" gitlab_answers "$GITLAB_URL"; fi

finish_checks
