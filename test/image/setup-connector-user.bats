#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load fakes

setup() {
  setup_fakes
  export CONNECTOR_USER=builder
}

@test "creates a missing connector user and adds it to the docker group" {
  fake getent 'exit 2'

  run bash "$SCRIPTS/setup-connector-user.sh"

  [ "$status" -eq 0 ]
  called "useradd --create-home --shell /bin/bash builder"
  called "usermod -aG docker builder"
}

@test "adds an existing connector user to the docker group without recreating it" {
  fake getent 'echo "builder:x:1000:1000::/home/builder:/bin/bash"'

  run bash "$SCRIPTS/setup-connector-user.sh"

  [ "$status" -eq 0 ]
  not_called useradd
  called "usermod -aG docker builder"
}

@test "refuses to run without CONNECTOR_USER" {
  unset CONNECTOR_USER

  run bash "$SCRIPTS/setup-connector-user.sh"

  [ "$status" -ne 0 ]
  [ ! -s "$CALLS" ]
}
