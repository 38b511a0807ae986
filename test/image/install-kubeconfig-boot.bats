#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load fakes

setup() {
  setup_fakes
  export KUBECONFIG_PARAMETER=/runner-autopilot/kubeconfig CONNECTOR_USER=builder
  FETCH_KUBECONFIG_SCRIPT=$(cat "$SCRIPTS/fetch-kubeconfig.sh")
  FETCH_KUBECONFIG_UNIT=$(cat "$FILES/fetch-kubeconfig.service")
  export FETCH_KUBECONFIG_SCRIPT FETCH_KUBECONFIG_UNIT
}

@test "installs and enables the boot unit with its script and environment file" {
  run bash "$SCRIPTS/install-kubeconfig-boot.sh"

  [ "$status" -eq 0 ]
  cmp "$ROOT/usr/local/sbin/fetch-kubeconfig" "$SCRIPTS/fetch-kubeconfig.sh"
  [ -x "$ROOT/usr/local/sbin/fetch-kubeconfig" ]
  cmp "$ROOT/etc/systemd/system/fetch-kubeconfig.service" "$FILES/fetch-kubeconfig.service"
  grep -qx 'KUBECONFIG_PARAMETER=/runner-autopilot/kubeconfig' "$ROOT/etc/runner-autopilot/kubeconfig.env"
  grep -qx 'CONNECTOR_USER=builder' "$ROOT/etc/runner-autopilot/kubeconfig.env"
  called "systemctl enable fetch-kubeconfig.service"
}

@test "the unit runs the installed script with the installed environment file" {
  grep -qx 'ExecStart=/usr/local/sbin/fetch-kubeconfig' "$FILES/fetch-kubeconfig.service"
  grep -qx 'EnvironmentFile=/etc/runner-autopilot/kubeconfig.env' "$FILES/fetch-kubeconfig.service"
  grep -qx 'Type=oneshot' "$FILES/fetch-kubeconfig.service"
  grep -qx 'WantedBy=multi-user.target' "$FILES/fetch-kubeconfig.service"
}
