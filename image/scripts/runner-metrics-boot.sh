#!/bin/bash
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
# A fleet name as the config schema allows it; also safe inside JSON, YAML and sed.
fleet_name='^[a-z][a-z0-9-]{0,30}[a-z0-9]$'
log() { printf '%s\n' "$*"; }
# skip REASON: log why no metrics are published and end the unit successfully.
skip() {
  log "warning: runner metrics not published: $*" >&2
  exit 0
}

work=$(mktemp -d) || skip "no temporary directory"
trap 'rm -rf "$work"' EXIT
token=$(curl -fsS --retry 3 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$imds/latest/api/token") ||
  skip "IMDSv2 does not answer"
# imds PATH: the body on stdout and status 0 on HTTP 200; status 4 on a 404; 1 on anything else.
imds() {
  local code
  code=$(curl -sS --retry 3 -o "$work/body" -w '%{http_code}' -H "X-aws-ec2-metadata-token: $token" \
    "$imds/latest/meta-data/$1") || return 1
  case "$code" in 200) cat "$work/body" ;; 404) return 4 ;; *) return 1 ;; esac
}
AWS_REGION=${AWS_REGION:-$(imds placement/region)} || skip "no Region from IMDS"
export AWS_REGION AWS_DEFAULT_REGION=$AWS_REGION

# tag KEY: the instance's tag value, empty when it has no such tag; fails when tags cannot be read.
tag() {
  local status=0 value instance
  imds tags/instance >/dev/null || status=$?
  if [ "$status" -eq 0 ]; then
    value=$(imds "tags/instance/$1") || { [ $? -eq 4 ] && value="" || return 1; }
  else
    instance=$(imds instance-id) || return 1
    value=$(aws ec2 describe-tags --filters "Name=resource-id,Values=$instance" "Name=key,Values=$1" \
      --query 'Tags[0].Value' --output text) || return 1
    [ "$value" != None ] || value=""
  fi
  printf '%s' "$value"
}

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
