#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load ssm-fakes

setup() {
  setup_ssm_fakes
  export DRAIN_TIMEOUT_SECONDS=7200 HEALTH_WAIT_SECONDS=0
  healthy_metrics
}

@test "drains with stop, then starts, then checks health" {
  run bash "$SSM/restart-manager.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT pass: 2 checks" ]
  [ "$(call_index 'systemctl daemon-reload')" -lt "$(call_index 'systemctl stop gitlab-runner.service')" ]
  [ "$(call_index 'systemctl stop gitlab-runner.service')" -lt "$(call_index 'systemctl start gitlab-runner.service')" ]
  not_called "systemctl restart"
  grep -q '^KillSignal=SIGQUIT$' "$ROOT/etc/systemd/system/gitlab-runner.service.d/10-autopilot-drain.conf"
}

@test "starts a runner that is already stopped" {
  echo inactive >"$FAKE_STATE"

  run bash "$SSM/restart-manager.sh"

  [ "$status" -eq 0 ]
  not_called "systemctl stop"
  called "systemctl start gitlab-runner.service"
}

@test "does not start the runner again when the drain fails" {
  export FAKE_STOP_LEAVES=active

  run bash "$SSM/restart-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == "RESULT fail: gitlab-runner still active after "*"s; not restarted" ]]
  not_called "systemctl start"
}

@test "does not start the runner again when the drain overran" {
  export FAKE_RESULT=timeout

  run bash "$SSM/restart-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == "RESULT fail: drain overran"* ]]
  not_called "systemctl start"
}

@test "fails when the restarted runner is not healthy" {
  export FAKE_START_LEAVES=failed

  run bash "$SSM/restart-manager.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: 1 of 2 checks failed: gitlab-runner.service active" ]
}

@test "neither stops nor starts when systemd would not drain gracefully" {
  export FAKE_KILL_SIGNAL=15

  run bash "$SSM/restart-manager.sh"

  [ "$status" -eq 1 ]
  not_called "systemctl stop"
  not_called "systemctl start"
}

@test "neither stops nor starts when systemd does not know gitlab-runner.service" {
  echo inactive >"$FAKE_STATE"
  export FAKE_LOAD_STATE=not-found

  run bash "$SSM/restart-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == "RESULT fail: gitlab-runner.service is not loaded (LoadState not-found):"*"; not restarted" ]]
  not_called "systemctl stop"
  not_called "systemctl start"
}

@test "does not start a second runner beside one that runs outside the stopped unit" {
  echo inactive >"$FAKE_STATE"
  export FAKE_STRAY_RUNNER_PID=4321

  run bash "$SSM/restart-manager.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: gitlab-runner.service is inactive but gitlab-runner still runs outside it (pid 4321); not restarted" ]
  not_called "systemctl start"
}

@test "does not start the runner again when a gitlab-runner still runs after the drain" {
  export FAKE_STRAY_RUNNER_PID=4321

  run bash "$SSM/restart-manager.sh"

  [ "$status" -eq 1 ]
  called "systemctl stop gitlab-runner.service"
  [ "$(last_line)" = "RESULT fail: gitlab-runner.service is inactive but gitlab-runner still runs outside it (pid 4321); not restarted" ]
  not_called "systemctl start"
}
