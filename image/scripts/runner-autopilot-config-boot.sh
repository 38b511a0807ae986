#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# runner-autopilot-config.service on a manager, before gitlab-runner.service (installed disabled):
# a canary (tag runner-autopilot:canary=true) never renders a config nor starts the runner; a real
# manager gets the drain drop-in, renders config.toml from Parameter Store (apply-config.sh, mode
# boot) and only then starts gitlab-runner. Any failure leaves the runner stopped (the unit retries).
#
# Settings: CONFIG_PREFIX, DRAIN_TIMEOUT_SECONDS and AWS_REGION from /etc/runner-autopilot/config.env
# when set there, else the instance tags runner-autopilot:config-prefix and
# runner-autopilot:drain-timeout-seconds, else the longest drain bound a config allows and the
# instance's Region. Tags are read from IMDSv2 (the launch template needs
# InstanceMetadataTags=enabled), else with `aws ec2 describe-tags` (the instance role needs
# ec2:DescribeTags). No config prefix: config.toml is left as it is.
set -euo pipefail
LIB_DIR=${LIB_DIR:-/usr/local/lib/runner-autopilot}
imds=${IMDS_URL:-http://169.254.169.254}
log() { printf '%s\n' "$*"; }
note() { log "  $*"; }
fail() {
  log "error: $*" >&2
  exit 1
}
# shellcheck source=../ssm/runner-service.sh
. "$LIB_DIR/runner-service.sh"
# shellcheck source=../ssm/instance-tags.sh
. "$LIB_DIR/instance-tags.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
imds_session || fail "IMDSv2 does not answer: gitlab-runner not started"
export AWS_REGION=${AWS_REGION:-$(imds placement/region)} && export AWS_DEFAULT_REGION=$AWS_REGION


canary=$(tag runner-autopilot:canary) || fail "cannot read the instance tags: gitlab-runner not started"
if [ "$canary" = true ]; then
  log "canary instance: no config rendered, gitlab-runner not started (a canary never runs a second manager)"
  exit 0
fi

# Without a bound of its own, the drop-in outlasts any fleet's (maxJobMinutes at most 2800, plus
# 900 s of slack): systemd must never kill a job that GitLab would still let run. Each drain sends
# its fleet's own bound anyway.
LONGEST_DRAIN_SECONDS=168900
drain=${DRAIN_TIMEOUT_SECONDS:-$(tag runner-autopilot:drain-timeout-seconds || true)}
ensure_drain_dropin "${drain:-$LONGEST_DRAIN_SECONDS}"
prefix=${CONFIG_PREFIX:-$(tag runner-autopilot:config-prefix)} || fail "cannot read the instance tags"
if [ -n "$prefix" ]; then
  MODE=boot CONFIG_PREFIX=$prefix bash "$LIB_DIR/apply-config.sh" ||
    fail "config.toml not rendered from $prefix: gitlab-runner not started"
else
  log "no runner-autopilot:config-prefix tag: config.toml left as it is"
fi
# --no-block: this unit is ordered before gitlab-runner.service, so a blocking start would wait on it.
systemctl start --no-block gitlab-runner.service
log "gitlab-runner.service started"
