#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Health of a (new) manager ON the manager: the SSM agent is online (this command runs),
# gitlab-runner.service is active and its metrics endpoint answers with gitlab_runner_version_info
# (at RUNNER_VERSION when given). Waits up to HEALTH_WAIT_SECONDS for a runner that just started.
set -euo pipefail
[ "$(type -t check)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(type -t report_health)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/runner-service.sh"

report_health
