#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load ssm-fakes

setup() {
  setup_ssm_fakes
  export DRAIN_TIMEOUT_SECONDS=7200
  healthy_metrics
}

dropin() { cat "$ROOT/etc/systemd/system/gitlab-runner.service.d/10-autopilot-drain.conf"; }

@test "writes the drain drop-in: SIGQUIT to the main process only, the drain bound as stop timeout" {
  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 0 ]
  [[ "$(dropin)" == *$'[Service]\nKillSignal=SIGQUIT\nKillMode=mixed\nTimeoutStopSec=7200' ]]
  called "systemctl daemon-reload"
  [ "$(call_index 'systemctl daemon-reload')" -lt "$(call_index 'systemctl stop')" ]
}

@test "drains with systemctl stop, never restart, and reports how long it took" {
  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 0 ]
  called "systemctl stop gitlab-runner.service"
  not_called "systemctl restart"
  not_called "systemctl kill"
  [[ "$(last_line)" =~ ^RESULT\ pass:\ drained\ in\ [0-9]+s$ ]]
}

@test "never signals the runner by hand" {
  run grep -nE 'systemctl (restart|kill|reload)|kill -(TERM|QUIT|KILL|s |[1-9])|pkill|killall' \
    "$SSM/drain-manager.sh" "$SSM/runner-service.sh" "$SSM/restart-manager.sh"

  [ "$status" -eq 1 ]
}

@test "prints the running job count while draining" {
  export PROGRESS_INTERVAL_SECONDS=0 FAKE_STOP_SECONDS=0.3

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 0 ]
  [[ "$output" == *"draining: 2 running job(s)"* ]]
  [[ "$output" =~ draining\ for\ [0-9]+s:\ 2\ running\ job\(s\) ]]
}

@test "says the job count is unknown when the metrics do not answer" {
  rm "$FAKE_METRICS"

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 0 ]
  [[ "$output" == *"draining: unknown running job(s)"* ]]
}

@test "keeps an up-to-date drop-in and does not reload systemd" {
  bash "$SSM/drain-manager.sh"
  : >"$CALLS"
  echo active >"$FAKE_STATE"

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 0 ]
  not_called "systemctl daemon-reload"
  [[ "$output" == *"drain drop-in up to date (TimeoutStopSec=7200)"* ]]
}

@test "rewrites a drop-in with another drain bound" {
  bash "$SSM/drain-manager.sh"
  : >"$CALLS"
  echo active >"$FAKE_STATE"
  export DRAIN_TIMEOUT_SECONDS=3600

  run bash "$SSM/drain-manager.sh"

  [[ "$(dropin)" == *"TimeoutStopSec=3600" ]]
  called "systemctl daemon-reload"
}

@test "passes at once when the runner is already stopped" {
  echo inactive >"$FAKE_STATE"

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT pass: gitlab-runner already stopped (inactive)" ]
  not_called "systemctl stop"
}

@test "treats a failed unit as stopped" {
  echo failed >"$FAKE_STATE"

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 0 ]
  not_called "systemctl stop"
}

@test "fails, naming the unit, when systemd does not know gitlab-runner.service" {
  # systemd's is-active prints "inactive" for a unit it has no file for.
  echo inactive >"$FAKE_STATE"
  export FAKE_LOAD_STATE=not-found FAKE_STRAY_RUNNER_PID=4321

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == "RESULT fail: gitlab-runner.service is not loaded (LoadState not-found):"*"; nothing drained" ]]
  not_called "systemctl stop"
  [ ! -e "$ROOT/etc/systemd/system/gitlab-runner.service.d" ]
}

@test "fails when the unit is stopped but a gitlab-runner runs outside it" {
  echo inactive >"$FAKE_STATE"
  export FAKE_STRAY_RUNNER_PID=4321

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: gitlab-runner.service is inactive but gitlab-runner still runs outside it (pid 4321); nothing drained" ]
  not_called "systemctl stop"
}

@test "fails when a gitlab-runner still runs after the unit stopped" {
  export FAKE_STRAY_RUNNER_PID=4321

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 1 ]
  called "systemctl stop gitlab-runner.service"
  [ "$(last_line)" = "RESULT fail: gitlab-runner.service is inactive but gitlab-runner still runs outside it (pid 4321)" ]
}

@test "fails when it cannot tell whether a gitlab-runner runs" {
  echo inactive >"$FAKE_STATE"
  fake pgrep 'exit 3'

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: cannot tell whether gitlab-runner runs outside gitlab-runner.service (pgrep exited 3); nothing drained" ]
}

@test "fails when the runner is still active after the stop" {
  export FAKE_STOP_LEAVES=deactivating

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" =~ ^RESULT\ fail:\ gitlab-runner\ still\ deactivating\ after\ [0-9]+s$ ]]
}

@test "fails when systemd had to kill the runner after the drain bound" {
  export FAKE_RESULT=timeout

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == "RESULT fail: drain overran TimeoutStopSec=7200s: systemd killed gitlab-runner after "* ]]
}

@test "fails with one RESULT line when the drain bound is missing" {
  unset DRAIN_TIMEOUT_SECONDS

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: missing environment: DRAIN_TIMEOUT_SECONDS" ]
  not_called "systemctl stop"
}

@test "ends with a RESULT line even on an unexpected error" {
  fake systemctl 'case "$1" in daemon-reload) exit 1 ;; is-active) echo active ;; show) echo loaded ;; esac'

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: unexpected error (exit 1)" ]
  not_called "systemctl stop"
}

@test "refuses to stop when another drop-in overrides the kill signal" {
  export FAKE_KILL_SIGNAL=15

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == "RESULT fail: systemd would stop gitlab-runner with KillSignal=15 KillMode=mixed, not SIGQUIT/mixed: another drop-in overrides "*"; not stopping" ]]
  not_called "systemctl stop"
}

@test "refuses to stop when another drop-in overrides the kill mode" {
  export FAKE_KILL_MODE=control-group

  run bash "$SSM/drain-manager.sh"

  [ "$status" -eq 1 ]
  not_called "systemctl stop"
}
