#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load ssm-fakes

setup() {
  setup_ssm_fakes
  export CONNECTOR_USER=ubuntu SAMPLE_SECONDS=5
  # docker ps prints the lines of $FAKE_PS (one file per sample: .1, .2; missing means none).
  export FAKE_PS="$BATS_TEST_TMPDIR/ps" FAKE_SAMPLE="$BATS_TEST_TMPDIR/sample"
  echo 1 >"$FAKE_SAMPLE"
  fake sleep 'echo $(( $(cat "$FAKE_SAMPLE") + 1 )) >"$FAKE_SAMPLE"'
  fake docker 'n=$(cat "$FAKE_SAMPLE"); [ -z "${FAKE_DOCKER_EXIT:-}" ] || exit "$FAKE_DOCKER_EXIT"; [ ! -f "$FAKE_PS.$n" ] || cat "$FAKE_PS.$n"'
  fake ss 'n=$(cat "$FAKE_SAMPLE"); [ -z "${FAKE_SS_EXIT:-}" ] || exit "$FAKE_SS_EXIT"; for _ in $(seq 1 "${FAKE_SSH:-0}"); do echo "0 0 10.0.0.5:22 10.0.0.9:4711$n"; done'
  fake id 'exit 0'
  fake ps 'printf "systemd\n(sd-pam)\n"; [ -z "${FAKE_USER_PROC:-}" ] || echo "$FAKE_USER_PROC"'
}

container() { # container SAMPLE LABELS
  printf '{"ID":"abc","Image":"alpine","Labels":"%s","State":"running"}\n' "$2" >>"$FAKE_PS.$1"
}

@test "answers idle with no job container, no ssh session and no connector process" {
  run bash "$SSM/job-check.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT idle" ]
  [[ "$output" == *"JOBS 0"* ]]
}

@test "takes two samples SAMPLE_SECONDS apart, asking docker for running containers only" {
  run bash "$SSM/job-check.sh"

  called "sleep 5"
  [ "$(grep -c '^docker ps --no-trunc --format json$' "$CALLS")" -eq 2 ]
  called "ss -Htn state established ( sport = :22 )"
}

@test "answers busy with the number of distinct jobs among runner containers" {
  container 1 'com.gitlab.gitlab-runner.job.id=11,com.gitlab.gitlab-runner.type=build'
  container 1 'com.gitlab.gitlab-runner.job.id=11,com.gitlab.gitlab-runner.type=service'
  container 1 'com.gitlab.gitlab-runner.job.id=12,com.gitlab.gitlab-runner.type=build'

  run bash "$SSM/job-check.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT busy" ]
  [[ "$output" == *"JOBS 2"* ]]
}

@test "ignores containers without gitlab-runner labels" {
  container 1 'maintainer=someone'

  run bash "$SSM/job-check.sh"

  [ "$(last_line)" = "RESULT idle" ]
}

@test "catches a job that starts between the two samples (an image pull has no container yet)" {
  container 2 'com.gitlab.gitlab-runner.job.id=7'

  run bash "$SSM/job-check.sh"

  [ "$(last_line)" = "RESULT busy" ]
  [[ "$output" == *"JOBS 1"* ]]
}

@test "answers busy on an established ssh connection (the instance executor, the docker tunnel)" {
  export FAKE_SSH=2

  run bash "$SSM/job-check.sh"

  [ "$(last_line)" = "RESULT busy" ]
  [[ "$output" == *"JOBS 2"* ]]
}

@test "answers busy when the connector user runs a process" {
  export FAKE_USER_PROC=bash

  run bash "$SSM/job-check.sh"

  [ "$(last_line)" = "RESULT busy" ]
  called "ps -u ubuntu -o comm="
}

@test "does not count the connector user's lingering systemd manager as a job" {
  run bash "$SSM/job-check.sh"

  [ "$(last_line)" = "RESULT idle" ]
}

@test "skips the process check without a connector user" {
  export CONNECTOR_USER=

  run bash "$SSM/job-check.sh"

  [ "$(last_line)" = "RESULT idle" ]
  not_called "ps "
}

@test "cannot tell, and says so, when docker is installed but does not answer" {
  export FAKE_DOCKER_EXIT=1

  run bash "$SSM/job-check.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: docker is installed but does not answer: cannot tell whether a job runs" ]
}

@test "cannot tell when ss fails" {
  export FAKE_SS_EXIT=1

  run bash "$SSM/job-check.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == "RESULT fail: ss could not list connections"* ]]
}

@test "without docker, relies on ssh sessions and processes" {
  rm "$FAKE_BIN/docker"
  PATH="$FAKE_BIN:/usr/bin:/bin"
  if command -v docker >/dev/null; then skip "docker is installed on this machine"; fi

  run bash "$SSM/job-check.sh"

  [ "$(last_line)" = "RESULT idle" ]
}
