#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load ssm-fakes

setup() {
  setup_ssm_fakes
  export RUNNER_VERSION=18.6.2 CONNECTOR_USER=ubuntu GITLAB_URL=https://gitlab.example.com \
    SMOKE_IMAGE=docker.io/library/alpine:3.22 MIN_FREE_GIB=10
  fake sudo 'while [ "$#" -gt 0 ]; do case "$1" in -n) shift ;; -u) shift 2 ;; --) shift; break ;; *) break ;; esac; done; exec "$@"'
  fake docker 'case "$1" in
  info) printf " Storage Driver: overlay2\n Docker Root Dir: /data/docker\n" ;;
  run) exit "${FAKE_DOCKER_RUN_EXIT:-0}" ;;
esac'
  fake kubectl
  fake helm
  fake terraform '[ "$CHECKPOINT_DISABLE" = 1 ] || exit 3'
  fake df 'free=${FAKE_FREE_GIB_ROOT:-20}; [ "$2" = / ] || free=${FAKE_FREE_GIB_DOCKER:-40}
echo "Filesystem 1024-blocks Used Available Capacity Mounted on"
echo "/dev/root 999999999 1 $((free * 1048576)) 1% $2"'
}

@test "passes when everything a job needs works" {
  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT pass: 9 checks" ]
  called "sudo -n -u ubuntu -- docker run --rm docker.io/library/alpine:3.22 true"
  called "df -Pk /data/docker"
  [[ "$output" == *"/data/docker: 40 GiB free, need 10"* ]]
}

@test "asks GitLab over https only, with a timeout, following no redirect" {
  run bash "$SSM/smoke-jobs.sh"

  called "curl -sS -o /dev/null -w %{http_code} --proto =https --max-time 10 https://gitlab.example.com"
}

@test "fails when docker cannot run a container as the connector user" {
  export FAKE_DOCKER_RUN_EXIT=1

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: 1 of 9 checks failed: docker runs docker.io/library/alpine:3.22 as ubuntu" ]
}

@test "fails when gitlab-runner is at another version" {
  export FAKE_RUNNER_VERSION=18.5.0

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 1 ]
  [[ "$output" == *'found "18.5.0"'* ]]
  [[ "$(last_line)" == *"gitlab-runner 18.6.2" ]]
}

@test "fails when a tool does not answer" {
  fake helm 'exit 127'

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == "RESULT fail: 1 of 9 checks failed: helm answers" ]]
}

@test "fails when git does not answer" {
  fake git 'exit 127'

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == *"git answers" ]]
}

@test "keeps terraform from calling home" {
  run bash "$SSM/smoke-jobs.sh"

  [[ "$output" == *"ok: terraform answers"* ]]
}

@test "fails when / has too little free space" {
  export FAKE_FREE_GIB_ROOT=3

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 1 ]
  [[ "$output" == *"/: 3 GiB free, need 10"* ]]
  [[ "$(last_line)" == *"free space on / >= 10 GiB" ]]
}

@test "fails when docker's data root has too little free space" {
  export FAKE_FREE_GIB_DOCKER=9

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == *"free space on docker's data root >= 10 GiB" ]]
}

@test "fails the data root check when docker does not say where it is" {
  fake docker 'exit 1'

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 1 ]
  [[ "$output" == *"docker root dir unknown"* ]]
}

@test "fails when GitLab answers with a server error" {
  export FAKE_HTTP_CODE=503

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 1 ]
  [[ "$output" == *'HTTP status "503"'* ]]
  [[ "$(last_line)" == *"GitLab answers at https://gitlab.example.com" ]]
}

@test "accepts any GitLab answer below 500, such as a redirect to sign in" {
  export FAKE_HTTP_CODE=302

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 0 ]
}

@test "fails when GitLab does not answer in time" {
  export FAKE_HTTP_CODE=000 FAKE_CURL_EXIT=28

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == *"GitLab answers at https://gitlab.example.com" ]]
}

@test "reports every failed check in one run" {
  export FAKE_DOCKER_RUN_EXIT=1 FAKE_RUNNER_VERSION=1.0.0 FAKE_HTTP_CODE=500

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == "RESULT fail: 3 of 9 checks failed: docker runs"*"; gitlab-runner 18.6.2; GitLab answers"* ]]
}

@test "fails with one RESULT line naming missing parameters" {
  unset GITLAB_URL RUNNER_VERSION

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: missing environment: RUNNER_VERSION GITLAB_URL" ]
}

@test "runs a small pre-pulled image when none is given" {
  unset SMOKE_IMAGE
  # One image per line: REPOSITORY TAG IMAGE-ID CREATED SIZE.
  fake docker 'case "$1" in
  info) echo " Docker Root Dir: /var/lib/docker" ;;
  image) printf "%s\n" "REPOSITORY TAG IMAGE ID CREATED SIZE" "docker.io/library/docker 28-dind a 1 2" "<none> <none> b 1 2" "docker.io/library/alpine 3.22 c 1 2" ;;
esac'

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 0 ]
  called "sudo -n -u ubuntu -- docker run --rm docker.io/library/alpine:3.22 true"
}

@test "runs the first pre-pulled image when there is no small one" {
  unset SMOKE_IMAGE
  fake docker 'case "$1" in
  info) echo " Docker Root Dir: /var/lib/docker" ;;
  image) printf "%s\n" "REPOSITORY TAG IMAGE ID CREATED SIZE" "registry.example.com/ci/node 22 a 1 2" ;;
esac'

  run bash "$SSM/smoke-jobs.sh"

  called "sudo -n -u ubuntu -- docker run --rm registry.example.com/ci/node:22 true"
}

@test "fails the docker check when no image is given and none is pre-pulled" {
  unset SMOKE_IMAGE
  fake docker '[ "$1" != info ] || echo " Docker Root Dir: /var/lib/docker"'

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 1 ]
  [[ "$output" == *"no image given and none pre-pulled"* ]]
  [ "$(last_line)" = "RESULT fail: 1 of 9 checks failed: docker runs a container as ubuntu" ]
}

@test "names the rollout it belongs to" {
  export AUTOPILOT_FLEET=jobs-docker AUTOPILOT_CANDIDATE_ID=0123456789abcdef0123

  run bash "$SSM/smoke-jobs.sh"

  [ "${lines[0]}" = "runner-autopilot fleet jobs-docker candidate 0123456789abcdef0123" ]
}

@test "runs only the configured checks and reports the others as skipped" {
  export CHECKS=git,gitlab-url FAKE_DOCKER_RUN_EXIT=1 FAKE_RUNNER_VERSION=1.0.0 FAKE_FREE_GIB_ROOT=0
  fake helm 'exit 127'

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 0 ]
  [[ "$output" == *"skipped (not configured): docker gitlab-runner tools disk"* ]]
  [ "$(last_line)" = "RESULT pass: 2 checks (skipped: docker, gitlab-runner, tools, disk)" ]
  not_called docker
  not_called kubectl
  not_called helm
  not_called terraform
  not_called df
  not_called gitlab-runner
}

@test "names the skipped checks in the RESULT line of a failed run too" {
  export CHECKS=docker,tools FAKE_DOCKER_RUN_EXIT=1

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: 1 of 4 checks failed (skipped: git, gitlab-runner, disk, gitlab-url): docker runs docker.io/library/alpine:3.22 as ubuntu" ]
}

@test "fails on an unknown check name before running any check" {
  export CHECKS=git,ssh-path

  run bash "$SSM/smoke-jobs.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = 'RESULT fail: unknown check "ssh-path" in CHECKS: use docker, git, gitlab-runner, tools, disk, gitlab-url' ]
  not_called git
  [[ "$output" != *"ok: "* ]]
}
