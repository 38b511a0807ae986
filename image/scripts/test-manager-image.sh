#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# In-image test for manager images: the runner is installed but must not start at boot (a boot unit
# decides), the pinned fleeting plugin is installed, and the SSM and CloudWatch agents are present.
set -uo pipefail
[ "$(type -t check)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${RUNNER_VERSION:?}" "${FLEETING_PLUGIN_VERSION:?}"
FLEETING_PLUGIN_PATH=${FLEETING_PLUGIN_PATH:-/usr/local/lib/fleeting/plugins}

runner_version_is() {
  local actual
  actual=$(gitlab-runner --version | awk '/^Version:/ { print $2 }')
  [ "$actual" = "$RUNNER_VERSION" ] || { log "  found \"$actual\""; return 1; }
}
# `is-enabled` prints "disabled" (and exits non-zero) for an installed unit that does not start at boot.
installed_but_disabled() { [ "$(systemctl is-enabled gitlab-runner.service)" = disabled ]; }
plugin_installed() {
  local work
  work=$(mktemp -d)
  fleeting_config >"$work/config.toml"
  FLEETING_PLUGIN_PATH="${ROOT:-}$FLEETING_PLUGIN_PATH" gitlab-runner fleeting -c "$work/config.toml" list 2>&1 |
    grep -qF "$FLEETING_PLUGIN_VERSION"
  local status=$?
  rm -rf "$work"
  return "$status"
}

check "gitlab-runner $RUNNER_VERSION" runner_version_is
check "gitlab-runner user" id gitlab-runner
check "gitlab-runner.service installed but disabled" installed_but_disabled
check "fleeting-plugin-aws $FLEETING_PLUGIN_VERSION" plugin_installed
check "ssm agent enabled" systemctl is-enabled --quiet snap.amazon-ssm-agent.amazon-ssm-agent.service
check "cloudwatch agent" dpkg -s amazon-cloudwatch-agent
check "aws cli" aws --version

finish_checks
