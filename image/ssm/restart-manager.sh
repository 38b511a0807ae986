#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Graceful restart ON the manager (the `recycle` rollout): drain with `systemctl stop` (SIGQUIT
# through the drop-in: running jobs finish), then `systemctl start`. The new runner deletes the
# old job instances (state storage off) and launches new ones from the launch template's default
# version. A drain that fails or overruns does not start the runner again: it is reported.
set -euo pipefail
[ "$(type -t check)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(type -t stop_runner)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/runner-service.sh"
require_env DRAIN_TIMEOUT_SECONDS

why=$(runner_unit_missing)
[ -z "$why" ] || fail "$why; not restarted"
ensure_drain_dropin "$DRAIN_TIMEOUT_SECONDS"
if runner_stopped; then
  # Starting the unit beside a runner that runs outside it would put two managers on its groups.
  why=$(runner_outside_unit)
  [ -z "$why" ] || fail "$why; not restarted"
  log "gitlab-runner already stopped ($(runner_state)): starting it"
else
  drain_runner "; not restarted"
  log "drained in ${DRAIN_SECONDS}s"
fi

systemctl start "$RUNNER_UNIT" || fail "systemctl start $RUNNER_UNIT failed"
log "gitlab-runner started"
report_health
