#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Installs the boot unit that fetches the kubeconfig, so no credential sits in the AMI's snapshots.
# The script and unit contents arrive in variables (the component document carries them inline).
set -euo pipefail
[ "$(type -t log)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${KUBECONFIG_PARAMETER:?}" "${CONNECTOR_USER:?}" "${FETCH_KUBECONFIG_SCRIPT:?}" "${FETCH_KUBECONFIG_UNIT:?}"
ROOT=${ROOT:-}

mkdir -p "$ROOT/usr/local/sbin" "$ROOT/etc/runner-autopilot" "$ROOT/etc/systemd/system"
printf '%s\n' "$FETCH_KUBECONFIG_SCRIPT" >"$ROOT/usr/local/sbin/fetch-kubeconfig"
chmod 0755 "$ROOT/usr/local/sbin/fetch-kubeconfig"
printf 'KUBECONFIG_PARAMETER=%s\nCONNECTOR_USER=%s\n' "$KUBECONFIG_PARAMETER" "$CONNECTOR_USER" \
  >"$ROOT/etc/runner-autopilot/kubeconfig.env"
printf '%s\n' "$FETCH_KUBECONFIG_UNIT" >"$ROOT/etc/systemd/system/fetch-kubeconfig.service"
systemctl daemon-reload
systemctl enable fetch-kubeconfig.service
log "fetch-kubeconfig.service enabled for $CONNECTOR_USER"
