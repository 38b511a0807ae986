#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load fakes

setup() {
  setup_fakes
  export RUNNER_VERSION=18.6.2 FLEETING_PLUGIN_VERSION=1.0.0 FAKE_UNIT_STATE=disabled FAKE_PLUGIN_VERSION=1.0.0
  fake gitlab-runner 'if [ "$1" = fleeting ]; then
  echo "registry.gitlab.com/gitlab-org/fleeting/plugins/aws:$FAKE_PLUGIN_VERSION: $FLEETING_PLUGIN_PATH/aws/$FAKE_PLUGIN_VERSION/plugin"
else printf "Version:      18.6.2\n"; fi'
  fake systemctl 'if [ "$1 $2" = "is-enabled gitlab-runner.service" ]; then echo "$FAKE_UNIT_STATE"; [ "$FAKE_UNIT_STATE" = enabled ]; fi'
  fake id
  fake dpkg
  fake aws
}

@test "passes when the runner is installed but disabled and the pinned plugin is present" {
  run bash "$SCRIPTS/test-manager-image.sh"

  [ "$status" -eq 0 ]
  [[ "$output" == *"all checks passed"* ]]
}

@test "fails when the runner service is enabled at boot" {
  export FAKE_UNIT_STATE=enabled

  run bash "$SCRIPTS/test-manager-image.sh"

  [ "$status" -ne 0 ]
  [[ "$output" == *"FAIL: gitlab-runner.service installed but disabled"* ]]
}

@test "fails when the runner service is not installed" {
  export FAKE_UNIT_STATE=""

  run bash "$SCRIPTS/test-manager-image.sh"

  [ "$status" -ne 0 ]
}

@test "fails when another fleeting plugin version is installed" {
  export FAKE_PLUGIN_VERSION=0.9.0

  run bash "$SCRIPTS/test-manager-image.sh"

  [ "$status" -ne 0 ]
  [[ "$output" == *"FAIL: fleeting-plugin-aws 1.0.0"* ]]
}
