#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load ssm-fakes

setup() {
  setup_ssm_fakes
  export HEALTH_WAIT_SECONDS=0
  healthy_metrics
}

@test "passes when the service is active and the metrics report the runner version" {
  run bash "$SSM/manager-health.sh"

  [ "$status" -eq 0 ]
  [[ "$output" == *"ok: ssm agent online (this command runs)"* ]]
  [ "$(last_line)" = "RESULT pass: 2 checks" ]
  called "curl -fsS --max-time 5 http://127.0.0.1:9252/metrics"
}

@test "reads the metrics where METRICS_URL says" {
  export METRICS_URL=http://127.0.0.1:9300/metrics

  run bash "$SSM/manager-health.sh"

  called "curl -fsS --max-time 5 http://127.0.0.1:9300/metrics"
}

@test "fails when gitlab-runner.service is not active" {
  echo inactive >"$FAKE_STATE"

  run bash "$SSM/manager-health.sh"

  [ "$status" -eq 1 ]
  [[ "$output" == *'state "inactive"'* ]]
  [ "$(last_line)" = "RESULT fail: 1 of 2 checks failed: gitlab-runner.service active" ]
}

@test "fails when the metrics endpoint does not answer" {
  rm "$FAKE_METRICS"

  run bash "$SSM/manager-health.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == *"metrics at http://127.0.0.1:9252/metrics report gitlab_runner_version_info" ]]
}

@test "fails when the metrics lack gitlab_runner_version_info" {
  write_metrics 'go_goroutines 12'

  run bash "$SSM/manager-health.sh"

  [ "$status" -eq 1 ]
}

@test "checks the reported version when RUNNER_VERSION is given" {
  export RUNNER_VERSION=18.7.0

  run bash "$SSM/manager-health.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == *"gitlab_runner_version_info version 18.7.0" ]]
}

@test "passes with the expected RUNNER_VERSION" {
  export RUNNER_VERSION=18.6.2

  run bash "$SSM/manager-health.sh"

  [ "$status" -eq 0 ]
}

@test "waits for a runner that is still starting" {
  export HEALTH_WAIT_SECONDS=30
  echo activating >"$FAKE_STATE"
  # The third state query finds the runner up.
  fake systemctl 'n=$(($(cat "$BATS_TEST_TMPDIR/n" 2>/dev/null || echo 0) + 1)); echo "$n" >"$BATS_TEST_TMPDIR/n"
[ "$n" -ge 3 ] && echo active >"$FAKE_STATE"; s=$(cat "$FAKE_STATE"); echo "$s"; [ "$s" = active ]'
  export BATS_TEST_TMPDIR

  run bash "$SSM/manager-health.sh"

  [ "$status" -eq 0 ]
  called "sleep 5"
}
