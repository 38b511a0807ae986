#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Drains the live manager ON the manager: gitlab-runner stops taking jobs, running jobs finish,
# then it exits. Only `systemctl stop` with the drain drop-in (SIGQUIT, KillMode=mixed): never
# `restart` or a signal by hand (the unit's Restart=always would bring a killed runner back).
# Idempotent: an already stopped runner passes at once. A pass lets the rollout terminate this
# instance, so it means no gitlab-runner runs here: a unit systemd does not know, or a runner
# outside the unit, fails the drain instead.
set -euo pipefail
[ "$(type -t check)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(type -t stop_runner)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/runner-service.sh"
require_env DRAIN_TIMEOUT_SECONDS

why=$(runner_unit_missing)
[ -z "$why" ] || fail "$why; nothing drained"
ensure_drain_dropin "$DRAIN_TIMEOUT_SECONDS"
if runner_stopped; then
  why=$(runner_outside_unit)
  [ -z "$why" ] || fail "$why; nothing drained"
  pass "gitlab-runner already stopped ($(runner_state))"
fi

drain_runner ""
pass "drained in ${DRAIN_SECONDS}s"
