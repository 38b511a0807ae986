#!/usr/bin/env bats
# runner-metrics: install-runner-metrics.sh (bake) and runner-metrics-boot.sh (boot unit), with fakes.
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load fakes

BOOT="$SCRIPTS/runner-metrics-boot.sh"
METRICS_FILES="$FILES/runner-metrics"
packed() { gzip -9n <"$1" | base64 -w0; }
call_index() { grep -n "^$1" "$CALLS" | head -n 1 | cut -d: -f1; }

setup() {
  setup_fakes
  export METRICS_DIR="$BATS_TEST_TMPDIR/metrics" TEMPLATE_DIR="$METRICS_FILES"
  fake amazon-cloudwatch-agent-ctl 'exit "${FAKE_AGENT_EXIT:-0}"'
  fake aws 'exit 99'
}

# IMDSv2 with instance tags from $FAKE_TAGS (one file per key); no such dir: tags not in metadata.
imds_with_tags() {
  export FAKE_TAGS="$BATS_TEST_TMPDIR/tags"
  mkdir -p "$FAKE_TAGS"
  local pair
  for pair in "$@"; do printf '%s' "${pair#*=}" >"$FAKE_TAGS/${pair%%=*}"; done
  imds
}
imds() {
  fake curl 'out=/dev/stdout; url=""; args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do case "${args[i]}" in -o) out=${args[i+1]} ;; http*) url=${args[i]} ;; esac; done
reply() { printf "%s" "$2" >"$out"; printf "%s" "$1"; }
[ -z "${FAKE_IMDS_DOWN:-}" ] || exit 28
case "$url" in
  */latest/api/token) echo imds-session-token ;;
  */meta-data/placement/region) reply 200 eu-west-1 ;;
  */meta-data/instance-id) reply 200 i-0123456789abcdef0 ;;
  */meta-data/tags/instance) if [ -d "${FAKE_TAGS:-/nonexistent}" ]; then reply 200 "$(ls "$FAKE_TAGS")"; else reply 404 ""; fi ;;
  */meta-data/tags/instance/*) k=${url##*/}; if [ -f "$FAKE_TAGS/$k" ]; then reply 200 "$(cat "$FAKE_TAGS/$k")"; else reply 404 ""; fi ;;
  *) exit 7 ;;
esac'
}
boot() { env -u AWS_REGION LIB_DIR="$BATS_TEST_DIRNAME/../../image/ssm" bash "$BOOT"; }
agent_json() { jq -e "$1" "$METRICS_DIR/amazon-cloudwatch-agent.json"; }
no_metrics_config() { [ ! -e "$METRICS_DIR/amazon-cloudwatch-agent.json" ] && [ ! -e "$METRICS_DIR/prometheus.yaml" ]; }

@test "install: templates, boot script and unit in place; the unit is enabled, nothing started" {
  export METRICS_BOOT_SCRIPT_GZ METRICS_UNIT_GZ AGENT_CONFIG_GZ PROMETHEUS_CONFIG_GZ
  METRICS_BOOT_SCRIPT_GZ=$(packed "$BOOT")
  METRICS_UNIT_GZ=$(packed "$METRICS_FILES/runner-autopilot-metrics.service")
  AGENT_CONFIG_GZ=$(packed "$METRICS_FILES/amazon-cloudwatch-agent.json")
  PROMETHEUS_CONFIG_GZ=$(packed "$METRICS_FILES/prometheus.yaml")

  run bash "$SCRIPTS/install-runner-metrics.sh"

  [ "$status" -eq 0 ]
  share="${ROOT:?}/usr/local/share/runner-autopilot/runner-metrics"
  cmp "$share/amazon-cloudwatch-agent.json" "$METRICS_FILES/amazon-cloudwatch-agent.json"
  cmp "$share/prometheus.yaml" "$METRICS_FILES/prometheus.yaml"
  cmp "$ROOT/usr/local/sbin/runner-metrics-boot" "$BOOT"
  cmp "$ROOT/etc/systemd/system/runner-autopilot-metrics.service" "$METRICS_FILES/runner-autopilot-metrics.service"
  [ "$(stat -c %a "$ROOT/usr/local/sbin/runner-metrics-boot")" = 755 ]
  [ "$(call_index 'systemctl daemon-reload')" -lt "$(call_index 'systemctl enable runner-autopilot-metrics.service')" ]
  not_called "systemctl start"
  not_called "amazon-cloudwatch-agent-ctl"
}

@test "install: fails when a text is missing" {
  export METRICS_BOOT_SCRIPT_GZ
  METRICS_BOOT_SCRIPT_GZ=$(packed "$BOOT")

  run bash "$SCRIPTS/install-runner-metrics.sh"

  [ "$status" -ne 0 ]
  not_called "systemctl"
}

@test "the unit runs after the config unit and nothing waits on it" {
  unit="$METRICS_FILES/runner-autopilot-metrics.service"

  grep -qx 'After=network-online.target runner-autopilot-config.service' "$unit"
  grep -qx 'Type=oneshot' "$unit"
  grep -qx 'ExecStart=/usr/local/sbin/runner-metrics-boot' "$unit"
  grep -qx 'WantedBy=multi-user.target' "$unit"
  run grep -E '^(Before|RequiredBy)=' "$unit"
  [ "$status" -ne 0 ]
}

@test "boot: the agent config carries the fleet from the tag, the namespace and the declarations" {
  imds_with_tags runner-autopilot:fleet=gitlab-manager runner-autopilot:config-prefix=/ra/prod/gitlab-manager/config

  run boot

  [ "$status" -eq 0 ]
  [[ "$output" == *"publishes gitlab-runner metrics to RunnerAutopilot/Runner for fleet gitlab-manager"* ]]
  agent_json '.logs.metrics_collected.prometheus.emf_processor.metric_namespace == "RunnerAutopilot/Runner"'
  agent_json '.logs.metrics_collected.prometheus.log_group_name == "/runner-autopilot/runner-metrics/gitlab-manager"'
  agent_json ".logs.metrics_collected.prometheus.prometheus_config_path == \"$METRICS_DIR/prometheus.yaml\""
  decl='.logs.metrics_collected.prometheus.emf_processor.metric_declaration'
  agent_json "[${decl}[] | select(.metric_selectors == [\"^gitlab_runner_failed_jobs_total\$\"]) | .dimensions] == [[[\"fleet\"], [\"fleet\", \"failure_reason\"]]]"
  agent_json "[${decl}[] | select(.metric_selectors == [\"^gitlab_runner_jobs\$\"]) | .dimensions] == [[[\"fleet\"], [\"fleet\", \"state\"]]]"
  agent_json "[${decl}[] | select(.metric_selectors | index(\"^fleeting_provisioner_instances\$\")) | .dimensions] == [[[\"fleet\"], [\"fleet\", \"state\"]]]"
  agent_json "[${decl}[] | select(.metric_selectors | index(\"^fleeting_taskscaler_tasks\$\")) | .dimensions] == [[[\"fleet\"], [\"fleet\", \"state\"]]]"
  agent_json "all(${decl}[]; .label_matcher == \"^gitlab-runner\$\" and .source_labels == [\"job\"])"
  # The scrape config: the runner's endpoint every 60 s, every series labelled with the fleet.
  prom="$METRICS_DIR/prometheus.yaml"
  grep -qx '  scrape_interval: 60s' "$prom"
  grep -qx '  - job_name: gitlab-runner' "$prom"
  grep -qxF "      - targets: ['127.0.0.1:9252']" "$prom"
  grep -qxF "          fleet: 'gitlab-manager'" "$prom"
  run grep -r __ "$METRICS_DIR"
  [ "$status" -ne 0 ]
  called "amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:$METRICS_DIR/amazon-cloudwatch-agent.json"
}

@test "boot: reads the fleet with describe-tags when the tags are not in the metadata" {
  imds
  fake aws 'case "$*" in
  *Name=key,Values=runner-autopilot:fleet*) echo gitlab-manager ;;
  *) echo None ;;
esac'

  run boot

  [ "$status" -eq 0 ]
  called "aws ec2 describe-tags --filters Name=resource-id,Values=i-0123456789abcdef0 Name=key,Values=runner-autopilot:fleet --query Tags[0].Value --output text"
  agent_json '.logs.metrics_collected.prometheus.log_group_name == "/runner-autopilot/runner-metrics/gitlab-manager"'
  grep -qxF "          fleet: 'gitlab-manager'" "$METRICS_DIR/prometheus.yaml"
  called "amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:$METRICS_DIR/amazon-cloudwatch-agent.json"
}

@test "boot on a canary: no agent config and the agent never started" {
  imds_with_tags runner-autopilot:canary=true runner-autopilot:fleet=gitlab-manager

  run boot

  [ "$status" -eq 0 ]
  [[ "$output" == *"runner metrics not published: canary instance"* ]]
  no_metrics_config
  not_called "amazon-cloudwatch-agent-ctl"
}

@test "boot: a failing agent is logged and the boot goes on" {
  imds_with_tags runner-autopilot:fleet=gitlab-manager
  export FAKE_AGENT_EXIT=1

  run boot

  [ "$status" -eq 0 ]
  [[ "$output" == *"runner metrics not published: amazon-cloudwatch-agent-ctl failed (status 1)"* ]]
  called "amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:$METRICS_DIR/amazon-cloudwatch-agent.json"
}

@test "boot: an agent that hangs is cut off and the boot goes on" {
  imds_with_tags runner-autopilot:fleet=gitlab-manager
  fake amazon-cloudwatch-agent-ctl '/bin/sleep 30'
  export AGENT_TIMEOUT=1

  run boot

  [ "$status" -eq 0 ]
  [[ "$output" == *"amazon-cloudwatch-agent-ctl failed (status 124)"* ]]
}

@test "boot: no fleet tag, or one that is not a fleet name: no metrics, no failure" {
  imds_with_tags runner-autopilot:config-prefix=/ra/prod/gitlab-manager/config

  run boot

  [ "$status" -eq 0 ]
  [[ "$output" == *"no runner-autopilot:fleet tag"* ]]
  no_metrics_config

  imds_with_tags 'runner-autopilot:fleet=Bad"|name'

  run boot

  [ "$status" -eq 0 ]
  [[ "$output" == *"is not a fleet name"* ]]
  no_metrics_config
  not_called "amazon-cloudwatch-agent-ctl"
}

@test "boot: unreadable tags or no IMDS: no metrics, no failure" {
  imds
  # The describe-tags fallback fails (no ec2:DescribeTags).

  run boot

  [ "$status" -eq 0 ]
  [[ "$output" == *"cannot read the instance tags"* ]]
  no_metrics_config

  export FAKE_IMDS_DOWN=1

  run boot

  [ "$status" -eq 0 ]
  [[ "$output" == *"IMDSv2 does not answer"* ]]
  not_called "amazon-cloudwatch-agent-ctl"
}
