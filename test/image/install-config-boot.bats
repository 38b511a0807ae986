#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load fakes

packed() { gzip -9n <"$1" | base64 -w0; }
call_index() { grep -n "^$1" "$CALLS" | head -n 1 | cut -d: -f1; }

setup() {
  setup_fakes
}

@test "installs the boot unit, its script and apply-config.sh with helpers, and enables the unit" {
  export LIB_SH_GZ RUNNER_SERVICE_SH_GZ APPLY_CONFIG_SH_GZ RUNNER_CONFIG_PY_GZ BOOT_SCRIPT_GZ BOOT_UNIT_GZ
  LIB_SH_GZ=$(packed "$SCRIPTS/../ssm/lib.sh")
  RUNNER_SERVICE_SH_GZ=$(packed "$SCRIPTS/../ssm/runner-service.sh")
  APPLY_CONFIG_SH_GZ=$(packed "$SCRIPTS/../ssm/apply-config.sh")
  RUNNER_CONFIG_PY_GZ=$(packed "$SCRIPTS/../ssm/runner_config.py")
  BOOT_SCRIPT_GZ=$(packed "$SCRIPTS/runner-autopilot-config-boot.sh")
  BOOT_UNIT_GZ=$(packed "$FILES/runner-autopilot-config.service")

  run bash "$SCRIPTS/install-config-boot.sh"

  [ "$status" -eq 0 ]
  lib="$ROOT/usr/local/lib/runner-autopilot"
  cmp "$lib/apply-config.sh" "$SCRIPTS/../ssm/apply-config.sh"
  cmp "$lib/runner_config.py" "$SCRIPTS/../ssm/runner_config.py"
  cmp "$lib/lib.sh" "$SCRIPTS/../ssm/lib.sh"
  cmp "$lib/runner-service.sh" "$SCRIPTS/../ssm/runner-service.sh"
  cmp "$ROOT/usr/local/sbin/runner-autopilot-config-boot" "$SCRIPTS/runner-autopilot-config-boot.sh"
  cmp "$ROOT/etc/systemd/system/runner-autopilot-config.service" "$FILES/runner-autopilot-config.service"
  [ "$(stat -c %a "$ROOT/usr/local/sbin/runner-autopilot-config-boot")" = 755 ]
  [ "$(stat -c %a "$lib/apply-config.sh")" = 755 ]
  [ "$(call_index 'systemctl daemon-reload')" -lt "$(call_index 'systemctl enable runner-autopilot-config.service')" ]
  not_called "systemctl enable gitlab-runner"
  not_called "systemctl start"
}

@test "installs only what a step is given and enables nothing without the unit" {
  export APPLY_CONFIG_SH_GZ
  APPLY_CONFIG_SH_GZ=$(packed "$SCRIPTS/../ssm/apply-config.sh")

  run bash "$SCRIPTS/install-config-boot.sh"

  [ "$status" -eq 0 ]
  [ -f "$ROOT/usr/local/lib/runner-autopilot/apply-config.sh" ]
  [ ! -e "$ROOT/etc/systemd/system/runner-autopilot-config.service" ]
  not_called "systemctl"
}

@test "fails when given nothing" {
  run bash "$SCRIPTS/install-config-boot.sh"

  [ "$status" -ne 0 ]
}

@test "the unit runs once before gitlab-runner, after the network, and is wanted at boot" {
  unit="$FILES/runner-autopilot-config.service"

  grep -qx 'Before=gitlab-runner.service' "$unit"
  grep -qx 'After=network-online.target' "$unit"
  grep -qx 'Type=oneshot' "$unit"
  grep -qx 'ExecStart=/usr/local/sbin/runner-autopilot-config-boot' "$unit"
  grep -qx 'WantedBy=multi-user.target' "$unit"
}
