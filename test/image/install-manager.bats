#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load fakes

setup() {
  setup_fakes
  export FLEETING_PLUGIN_VERSION=1.0.0 FLEETING_PLUGIN_PATH=/usr/local/lib/fleeting/plugins
  fake getent 'exit 2'
  # Records the plugin path and the config `fleeting install` reads.
  fake gitlab-runner 'echo "FLEETING_PLUGIN_PATH=${FLEETING_PLUGIN_PATH:-}" >>"$CALLS"
[ "$1" = fleeting ] && cp "$3" "$BATS_TEST_TMPDIR/fleeting.toml"; true'
}

@test "installs the runner service as gitlab-runner and leaves it disabled" {
  run bash "$SCRIPTS/install-manager.sh"

  [ "$status" -eq 0 ]
  called "useradd --comment GitLab Runner --create-home --shell /bin/bash gitlab-runner"
  called "gitlab-runner install --user gitlab-runner --working-directory /home/gitlab-runner"
  called "systemctl disable gitlab-runner.service"
  not_called "systemctl enable"
  not_called "systemctl start"
}

@test "installs the fleeting plugin at the pinned version into the path the service uses" {
  run bash "$SCRIPTS/install-manager.sh"

  [ "$status" -eq 0 ]
  grep -qE "^gitlab-runner fleeting -c .*/config.toml install$" "$CALLS"
  called "FLEETING_PLUGIN_PATH=$ROOT/usr/local/lib/fleeting/plugins"
  grep -qx '    plugin = "aws:1.0.0"' "$BATS_TEST_TMPDIR/fleeting.toml"
  grep -qx 'Environment=FLEETING_PLUGIN_PATH=/usr/local/lib/fleeting/plugins' \
    "$ROOT/etc/systemd/system/gitlab-runner.service.d/fleeting-plugin-path.conf"
}

@test "keeps an existing gitlab-runner user" {
  fake getent 'echo gitlab-runner:x:999:999::/home/gitlab-runner:/bin/bash'

  run bash "$SCRIPTS/install-manager.sh"

  [ "$status" -eq 0 ]
  not_called useradd
}

@test "fails when the plugin cannot be installed" {
  fake gitlab-runner '[ "$1" != fleeting ]'

  run bash "$SCRIPTS/install-manager.sh"

  [ "$status" -ne 0 ]
}
