#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Installs runner-autopilot-metrics.service (manager image), its boot script and the CloudWatch agent
# templates it fills in at boot (agent JSON, Prometheus scrape config). The texts arrive gzipped and
# base64-encoded in variables. The unit is enabled; neither it nor the agent starts while baking.
set -euo pipefail
[ "$(type -t log)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT=${ROOT:-}
: "${METRICS_BOOT_SCRIPT_GZ:?}" "${METRICS_UNIT_GZ:?}" "${AGENT_CONFIG_GZ:?}" "${PROMETHEUS_CONFIG_GZ:?}"
TEMPLATE_DIR=/usr/local/share/runner-autopilot/runner-metrics

# install_text VARIABLE PATH MODE: the variable's text (gzip, base64) at PATH.
install_text() {
  mkdir -p "$ROOT$(dirname "$2")"
  base64 -d <<<"${!1}" | gunzip >"$ROOT$2.tmp"
  chmod "$3" "$ROOT$2.tmp"
  mv -f "$ROOT$2.tmp" "$ROOT$2"
  log "installed $2"
}
install_text AGENT_CONFIG_GZ "$TEMPLATE_DIR/amazon-cloudwatch-agent.json" 0644
install_text PROMETHEUS_CONFIG_GZ "$TEMPLATE_DIR/prometheus.yaml" 0644
install_text METRICS_BOOT_SCRIPT_GZ /usr/local/sbin/runner-metrics-boot 0755
install_text METRICS_UNIT_GZ /etc/systemd/system/runner-autopilot-metrics.service 0644

systemctl daemon-reload
systemctl enable runner-autopilot-metrics.service
log "runner-autopilot-metrics.service enabled (publishes runner metrics at boot, never on a canary)"
