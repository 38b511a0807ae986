#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# runner-autopilot-metrics.service on a manager, after runner-autopilot-config.service: points the
# CloudWatch agent at gitlab-runner's Prometheus endpoint (127.0.0.1:9252; config.toml needs
# `listen_address` there) so it publishes, through EMF, to namespace RunnerAutopilot/Runner with the
# dimension `fleet` (the instance tag runner-autopilot:fleet) on every metric.
#
# A canary (tag runner-autopilot:canary=true) never starts the runner and gets no metrics. Nothing is
# fatal here: every failure is logged and the script exits 0, and gitlab-runner.service is not
# ordered after this unit, so metrics can never keep the runner from starting.
#
# Tags are read from IMDSv2 (the launch template needs InstanceMetadataTags=enabled), else with
# `aws ec2 describe-tags` (the instance role needs ec2:DescribeTags), like the config boot script.
# The agent config is written from the templates in TEMPLATE_DIR into METRICS_DIR, then loaded with
# `amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s` (replaces any earlier agent config).
set -uo pipefail
TEMPLATE_DIR=${TEMPLATE_DIR:-/usr/local/share/runner-autopilot/runner-metrics}
METRICS_DIR=${METRICS_DIR:-/etc/runner-autopilot/metrics}
AGENT_CTL=${AGENT_CTL:-$(command -v amazon-cloudwatch-agent-ctl ||
  echo /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl)}
AGENT_TIMEOUT=${AGENT_TIMEOUT:-180}
imds=${IMDS_URL:-http://169.254.169.254}
LIB_DIR=${LIB_DIR:-/usr/local/lib/runner-autopilot}
# A fleet name as the config schema allows it; also safe inside JSON, YAML and sed.
fleet_name='^[a-z][a-z0-9-]{0,30}[a-z0-9]$'
log() { printf '%s\n' "$*"; }
# skip REASON: log why no metrics are published and end the unit successfully.
skip() {
  log "warning: runner metrics not published: $*" >&2
  exit 0
}

# Installed with the config boot unit, which every manager image carries.
# shellcheck source=../ssm/instance-tags.sh
. "$LIB_DIR/instance-tags.sh" || skip "no $LIB_DIR/instance-tags.sh"
work=$(mktemp -d) || skip "no temporary directory"
trap 'rm -rf "$work"' EXIT
imds_session || skip "IMDSv2 does not answer"
AWS_REGION=${AWS_REGION:-$(imds placement/region)} || skip "no Region from IMDS"
export AWS_REGION AWS_DEFAULT_REGION=$AWS_REGION


canary=$(tag runner-autopilot:canary) || skip "cannot read the instance tags"
[ "$canary" != true ] || skip "canary instance (a canary never runs the runner)"
fleet=$(tag runner-autopilot:fleet) || skip "cannot read the instance tags"
[ -n "$fleet" ] || skip "no runner-autopilot:fleet tag on this instance"
[[ $fleet =~ $fleet_name ]] || skip "the runner-autopilot:fleet tag \"$fleet\" is not a fleet name"

# render FILE: TEMPLATE_DIR/FILE with the fleet and METRICS_DIR filled in, at METRICS_DIR/FILE.
render() {
  sed -e "s|__FLEET__|$fleet|g" -e "s|__METRICS_DIR__|$METRICS_DIR|g" "$TEMPLATE_DIR/$1" >"$METRICS_DIR/$1.tmp" &&
    mv -f "$METRICS_DIR/$1.tmp" "$METRICS_DIR/$1"
}
mkdir -p "$METRICS_DIR" || skip "cannot create $METRICS_DIR"
render prometheus.yaml || skip "cannot write $METRICS_DIR/prometheus.yaml"
render amazon-cloudwatch-agent.json || skip "cannot write $METRICS_DIR/amazon-cloudwatch-agent.json"

status=0
timeout "$AGENT_TIMEOUT" "$AGENT_CTL" -a fetch-config -m ec2 -s -c "file:$METRICS_DIR/amazon-cloudwatch-agent.json" ||
  status=$?
[ "$status" -eq 0 ] || skip "amazon-cloudwatch-agent-ctl failed (status $status)"
log "CloudWatch agent publishes gitlab-runner metrics to RunnerAutopilot/Runner for fleet $fleet"
