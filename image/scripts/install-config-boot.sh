#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Installs runner-autopilot-config.service (manager image) and what it runs: the boot script and
# apply-config.sh with its helpers. The texts arrive gzipped and base64-encoded in variables, as
# many as one component holds (Image Builder's 16000-character limit splits them over two); each
# step installs the ones it is given. The unit is enabled; gitlab-runner.service stays disabled.
set -euo pipefail
[ "$(type -t log)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT=${ROOT:-}
LIB_DIR=/usr/local/lib/runner-autopilot

# install_text VARIABLE PATH MODE: the variable's text (gzip, base64) at PATH, when it is set.
installed=0
install_text() {
  [ -n "${!1:-}" ] || return 0
  mkdir -p "$ROOT$(dirname "$2")"
  base64 -d <<<"${!1}" | gunzip >"$ROOT$2.tmp"
  chmod "$3" "$ROOT$2.tmp"
  mv -f "$ROOT$2.tmp" "$ROOT$2"
  installed=$((installed + 1))
  log "installed $2"
}
install_text LIB_SH_GZ "$LIB_DIR/lib.sh" 0644
install_text RUNNER_SERVICE_SH_GZ "$LIB_DIR/runner-service.sh" 0644
install_text INSTANCE_TAGS_SH_GZ "$LIB_DIR/instance-tags.sh" 0644
install_text APPLY_CONFIG_SH_GZ "$LIB_DIR/apply-config.sh" 0755
install_text RUNNER_CONFIG_PY_GZ "$LIB_DIR/runner_config.py" 0644
install_text BOOT_SCRIPT_GZ /usr/local/sbin/runner-autopilot-config-boot 0755
install_text BOOT_UNIT_GZ /etc/systemd/system/runner-autopilot-config.service 0644
[ "$installed" -gt 0 ] || die "nothing to install: set one of the *_GZ variables"
mkdir -p "$ROOT/etc/runner-autopilot"

if [ -n "${BOOT_UNIT_GZ:-}" ]; then
  systemctl daemon-reload
  systemctl enable runner-autopilot-config.service
  log "runner-autopilot-config.service enabled (starts gitlab-runner after rendering its config)"
fi
