#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load fakes

# A healthy job image by default; each test breaks one thing.
setup() {
  setup_fakes
  export RUNNER_VERSION=18.6.2 KUBECTL_VERSION=1.34.2 HELM_VERSION=3.19.2 TERRAFORM_VERSION=1.14.0
  export CONNECTOR_USER=builder KUBECONFIG_MODE=none PRE_PULL_IMAGES=docker.io/library/alpine:3.22
  export FAKE_RUNNER_VERSION=18.6.2 FAKE_GROUPS="builder docker" FAKE_IMAGES=docker.io/library/alpine:3.22
  fake gitlab-runner 'printf "Version:      %s\nGit revision: abc\n" "$FAKE_RUNNER_VERSION"'
  fake kubectl 'printf "Client Version: v1.34.2\nKustomize Version: v5\n"'
  fake helm 'echo v3.19.2+g1234'
  fake terraform 'printf "Terraform v1.14.0\non linux_amd64\n"'
  fake aws 'echo aws-cli/2.30.0'
  fake id '[ "$1" = -nG ] && echo "$FAKE_GROUPS"; true'
  fake docker '[ "$1 $2" != "image inspect" ] || grep -qxF "$3" <<<"$FAKE_IMAGES"'
}

@test "passes on a complete image" {
  run bash "$SCRIPTS/test-jobs-image.sh"

  [ "$status" -eq 0 ]
  [[ "$output" == *"all checks passed"* ]]
}

@test "fails when gitlab-runner is not exactly the expected version" {
  export FAKE_RUNNER_VERSION=18.6.1

  run bash "$SCRIPTS/test-jobs-image.sh"

  [ "$status" -ne 0 ]
  [[ "$output" == *"FAIL: gitlab-runner 18.6.2"* ]]
  [[ "$output" == *'found "18.6.1"'* ]]
}

@test "fails when a tool has another version" {
  fake terraform 'echo "Terraform v1.13.9"'

  run bash "$SCRIPTS/test-jobs-image.sh"

  [ "$status" -ne 0 ]
  [[ "$output" == *"FAIL: terraform 1.14.0"* ]]
}

@test "fails when the connector user is not in the docker group" {
  export FAKE_GROUPS=builder

  run bash "$SCRIPTS/test-jobs-image.sh"

  [ "$status" -ne 0 ]
  [[ "$output" == *"FAIL: user builder in docker group"* ]]
}

@test "fails when a configured image was not pre-pulled" {
  export PRE_PULL_IMAGES=$'docker.io/library/alpine:3.22\ndocker.io/library/docker:28-dind'

  run bash "$SCRIPTS/test-jobs-image.sh"

  [ "$status" -ne 0 ]
  [[ "$output" == *"FAIL: image docker.io/library/docker:28-dind pre-pulled"* ]]
}

@test "fails when docker or the compose plugin does not answer" {
  fake docker '[ "$1" != compose ]'

  run bash "$SCRIPTS/test-jobs-image.sh"

  [ "$status" -ne 0 ]
  [[ "$output" == *"FAIL: docker compose plugin answers"* ]]
}

@test "reports every failure in one run" {
  export FAKE_RUNNER_VERSION=1.0.0 FAKE_GROUPS=builder

  run bash "$SCRIPTS/test-jobs-image.sh"

  [ "$status" -ne 0 ]
  [[ "$output" == *"2 check(s) failed"* ]]
}

@test "boot mode requires the kubeconfig unit to be enabled" {
  export KUBECONFIG_MODE=boot
  fake systemctl '[ "$*" != "is-enabled --quiet fetch-kubeconfig.service" ]'

  run bash "$SCRIPTS/test-jobs-image.sh"

  [ "$status" -ne 0 ]
  [[ "$output" == *"FAIL: fetch-kubeconfig.service enabled"* ]]
}

@test "baked mode requires the kubeconfig file with mode 0600 owned by the user" {
  export KUBECONFIG_MODE=baked CONNECTOR_USER
  CONNECTOR_USER=$(whoami)
  mkdir -p "$ROOT/home/$CONNECTOR_USER/.kube"
  printf 'kubeconfig\n' >"$ROOT/home/$CONNECTOR_USER/.kube/config"
  chmod 0600 "$ROOT/home/$CONNECTOR_USER/.kube/config"

  run bash "$SCRIPTS/test-jobs-image.sh"
  [ "$status" -eq 0 ]

  chmod 0644 "$ROOT/home/$CONNECTOR_USER/.kube/config"
  run bash "$SCRIPTS/test-jobs-image.sh"
  [ "$status" -ne 0 ]
  [[ "$output" == *"is 0600 and owned by $CONNECTOR_USER"* ]]
}
