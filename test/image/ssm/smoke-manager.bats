#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load ssm-fakes

setup() {
  export FAKE_UNIT_STATE=inactive
  setup_ssm_fakes
  export RUNNER_VERSION=18.6.2 FLEETING_PLUGIN_VERSION=1.0.0 GITLAB_URL=https://gitlab.example.com \
    JOB_GROUPS=runner-jobs,runner-jobs-docker AWS_REGION=us-east-2
  export FAKE_GROUPS=$'runner-jobs\trunner-jobs-docker'
  fake pgrep 'exit "${FAKE_PGREP_EXIT:-1}"'
  fake aws 'printf "%s\n" "$FAKE_GROUPS"; exit "${FAKE_AWS_EXIT:-0}"'
}

@test "passes when the runner is installed, stopped, and its groups and GitLab answer" {
  run bash "$SSM/smoke-manager.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT pass: 5 checks" ]
  called "aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names runner-jobs runner-jobs-docker --query AutoScalingGroups[].AutoScalingGroupName --output text"
}

@test "fails when gitlab-runner.service is active: a canary never runs a second manager" {
  echo active >"$FAKE_STATE"

  run bash "$SSM/smoke-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$output" == *"gitlab-runner.service is active"* ]]
  [[ "$(last_line)" == "RESULT fail: 1 of 5 checks failed: gitlab-runner not running"* ]]
}

@test "fails when the service is starting" {
  echo activating >"$FAKE_STATE"

  run bash "$SSM/smoke-manager.sh"

  [ "$status" -eq 1 ]
}

@test "fails when a gitlab-runner process runs outside the service" {
  export FAKE_PGREP_EXIT=0

  run bash "$SSM/smoke-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$output" == *"a gitlab-runner process runs outside the service"* ]]
}

@test "fails when gitlab-runner is at another version" {
  export FAKE_RUNNER_VERSION=18.5.0

  run bash "$SSM/smoke-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == *"gitlab-runner 18.6.2" ]]
}

@test "fails when the pinned fleeting plugin is not installed" {
  export FAKE_PLUGIN_VERSION=0.9.0

  run bash "$SSM/smoke-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == *"fleeting-plugin-aws 1.0.0 installed" ]]
}

@test "fails when a job group is not returned" {
  export FAKE_GROUPS=runner-jobs

  run bash "$SSM/smoke-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$output" == *"not found: runner-jobs-docker"* ]]
  [[ "$(last_line)" == *"instance profile describes job groups runner-jobs,runner-jobs-docker" ]]
}

@test "fails when the instance profile may not describe the groups" {
  export FAKE_GROUPS="" FAKE_AWS_EXIT=254

  run bash "$SSM/smoke-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == *"instance profile describes job groups"* ]]
}

@test "fails when GitLab is unreachable" {
  export FAKE_HTTP_CODE=000 FAKE_CURL_EXIT=6

  run bash "$SSM/smoke-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == *"GitLab answers at https://gitlab.example.com" ]]
}

@test "leaves no scratch config behind" {
  run bash "$SSM/smoke-manager.sh"

  [ -z "$(ls -A "$TMPDIR")" ]
}

@test "without a pinned plugin version, accepts any installed aws plugin" {
  export FLEETING_PLUGIN_VERSION=""
  mkdir -p "$ROOT/usr/local/lib/fleeting/plugins/registry.gitlab.com/gitlab-org/fleeting/plugins/aws/1.1.0"
  touch "$ROOT/usr/local/lib/fleeting/plugins/registry.gitlab.com/gitlab-org/fleeting/plugins/aws/1.1.0/plugin"

  run bash "$SSM/smoke-manager.sh"

  [ "$status" -eq 0 ]
  [[ "$output" == *"ok: fleeting-plugin-aws (any version) installed"* ]]
}

@test "without a pinned plugin version, fails when no aws plugin is installed" {
  export FLEETING_PLUGIN_VERSION=""

  run bash "$SSM/smoke-manager.sh"

  [ "$status" -eq 1 ]
  [[ "$output" == *"no aws plugin under /usr/local/lib/fleeting/plugins"* ]]
}

@test "runs only the configured checks, always the runner-not-running guard, and reports the skipped" {
  export CHECKS=gitlab-runner FAKE_PLUGIN_VERSION=0.9.0 FAKE_HTTP_CODE=500
  unset AWS_REGION

  run bash "$SSM/smoke-manager.sh"

  [ "$status" -eq 0 ]
  [[ "$output" == *"ok: gitlab-runner not running"* ]]
  [[ "$output" == *"skipped (not configured): fleeting-plugin job-groups gitlab-url"* ]]
  [ "$(last_line)" = "RESULT pass: 2 checks (skipped: fleeting-plugin, job-groups, gitlab-url)" ]
  not_called aws
  not_called curl
}

@test "fails on an unknown check name" {
  export CHECKS=gitlab-runner,docker

  run bash "$SSM/smoke-manager.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = 'RESULT fail: unknown check "docker" in CHECKS: use gitlab-runner, fleeting-plugin, job-groups, gitlab-url' ]
  not_called aws
}
