#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031,SC2153
load ssm-fakes

FIXTURES="$BATS_TEST_DIRNAME/fixtures/apply-config"
DOCKER_TOKEN=glrt-DOCKER-s3cr3t-0001
LEGACY_TOKEN=glrt-LEGACY-s3cr3t-0002
ROTATED_TOKEN=glrt-ROTATED-s3cr3t-0003

# Parameter Store in a directory: one file per parameter, "/" written as "%".
param_file() { printf '%s/%s' "$FAKE_SSM" "$(printf '%s' "$1" | tr / %)"; }
put_param() { printf '%s' "$2" >"$(param_file "$1")"; }
get_param() { cat "$(param_file "$1")"; }

# publish [TEMPLATE] [VALUES]: the deploy's three parameters, the manifest last.
publish() {
  cp "${1:-$FIXTURES/template.toml}" "$BATS_TEST_TMPDIR/template"
  cp "${2:-$FIXTURES/values.json}" "$BATS_TEST_TMPDIR/values"
  put_param "$CONFIG_PREFIX/template" "$(cat "$BATS_TEST_TMPDIR/template")"
  put_param "$CONFIG_PREFIX/values" "$(cat "$BATS_TEST_TMPDIR/values")"
  HASH=$(python3 "$SSM/runner_config.py" hash <(get_param "$CONFIG_PREFIX/template") <(get_param "$CONFIG_PREFIX/values"))
  put_param "$CONFIG_PREFIX/manifest" "{\"hash\": \"$HASH\"}"
}
# publish_with SED-EXPRESSION: the fixture template edited.
publish_with() {
  sed "$1" "$FIXTURES/template.toml" >"$BATS_TEST_TMPDIR/edited.toml"
  publish "$BATS_TEST_TMPDIR/edited.toml"
}

setup() {
  setup_ssm_fakes
  export FAKE_SSM="$BATS_TEST_TMPDIR/ssm" AWS_REGION=eu-west-1
  export CONFIG_PREFIX=/runner-autopilot/prod/manager/config
  export RUNNER_CONFIG="$ROOT/etc/gitlab-runner/config.toml" STATE_DIR="$ROOT/var/lib/runner-autopilot"
  export DRAIN_TIMEOUT_SECONDS=3600 HEALTH_WAIT_SECONDS=0 LIVE_SETTLE_SECONDS=0 POLL_SECONDS=0
  mkdir -p "$FAKE_SSM"
  healthy_metrics
  # The AWS CLI on Parameter Store: get-parameter prints the JSON response, put-parameter reads its
  # value from file:// (the only way the script passes one), describe-parameters names the key.
  fake aws 'pf() { printf "%s/%s" "$FAKE_SSM" "$(printf "%s" "$1" | tr / %)"; }
name=""; value=""; args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in --name) name=${args[i+1]} ;; --value) value=${args[i+1]} ;; esac
done
case "$1 $2" in
  "ssm get-parameter")
    [ -f "$(pf "$name")" ] || { echo "An error occurred (ParameterNotFound) when calling the GetParameter operation" >&2; exit 254; }
    python3 -c "import json, sys; print(json.dumps({\"Parameter\": {\"Name\": sys.argv[1], \"Type\": \"String\", \"Value\": open(sys.argv[2]).read()}}))" "$name" "$(pf "$name")" ;;
  "ssm describe-parameters") echo "${FAKE_KEY_ID:-alias/runner-tokens}" ;;
  "ssm put-parameter")
    [ -z "${FAKE_PUT_FAILS:-}" ] || { echo "AccessDeniedException" >&2; exit 254; }
    case "$value" in file://*) cp "${value#file://}" "$(pf "$name")" ;; *) echo "value not from a file" >&2; exit 99 ;; esac
    echo "{\"Version\": 2}" ;;
esac'
  # systemd as in ssm-fakes, plus a copy of config.toml as it was when the runner stopped.
  fake systemctl 'case "$1" in
  is-active) s=$(cat "$FAKE_STATE"); echo "$s"; [ "$s" = active ] ;;
  stop) cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/config-at-stop" 2>/dev/null || true; echo inactive >"$FAKE_STATE" ;;
  start) echo "${FAKE_START_LEAVES:-active}" >"$FAKE_STATE" ;;
  show) case "$*" in *KillSignal*) echo "${FAKE_KILL_SIGNAL:-3}" ;; *KillMode*) echo mixed ;; *LoadState*) echo "${FAKE_LOAD_STATE:-loaded}" ;; *) echo success ;; esac ;;
esac'
  # Metrics answer unless the runner "loaded" a config.toml containing FAKE_UNHEALTHY_IF.
  fake curl 'case "$*" in
  *metrics*)
    if [ -n "${FAKE_UNHEALTHY_IF:-}" ] && grep -q "$FAKE_UNHEALTHY_IF" "$RUNNER_CONFIG"; then exit 7; fi
    cat "$FAKE_METRICS" ;;
  *) exit 28 ;;
esac'
  # A runner before `lint` (~19.2): an unknown command fails.
  fake gitlab-runner '[ "$1" != lint ] || { echo "No help topic for lint" >&2; exit 3; }'
  put_param /gitlab/runner/docker-token "$DOCKER_TOKEN"
  put_param /gitlab/runner/legacy-token "$LEGACY_TOKEN"
  publish
}

# The manager as it runs: config rendered at boot, then the runner wrote its token times.
booted() {
  MODE=boot bash "$SSM/apply-config.sh" >/dev/null
  sed -i "s/^token = \"$LEGACY_TOKEN\"/&\ntoken_obtained_at = 2026-01-01T00:00:00Z\ntoken_expires_at = 2026-12-01T00:00:00Z/" "$RUNNER_CONFIG"
  : >"$CALLS"
}
backups() { find "$(dirname "$RUNNER_CONFIG")" -name 'config.toml.bak-*' | sort; }
toml() { python3 -c 'import sys, tomllib, json; print(json.dumps(tomllib.load(open(sys.argv[1], "rb")), default=str))' "$1"; }
secrets_nowhere() {
  local secret
  for secret in "$DOCKER_TOKEN" "$LEGACY_TOKEN" "$ROTATED_TOKEN"; do
    [[ "$output" != *"$secret"* ]] || return 1
    ! grep -qF "$secret" "$CALLS" || return 1
  done
}

@test "the python unit tests pass" {
  run python3 -m unittest discover -s "$BATS_TEST_DIRNAME" -p 'test_runner_config.py'

  [ "$status" -eq 0 ]
}

@test "boot renders the config before the runner runs: 0600, secrets resolved, no health check, no restart" {
  run env MODE=boot bash "$SSM/apply-config.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT applied-boot" ]
  [[ "$output" == *"CONFIG_HASH=$HASH"* ]]
  [ "$(stat -c %a "$RUNNER_CONFIG")" = 600 ]
  grep -qx "token = \"$DOCKER_TOKEN\"" "$RUNNER_CONFIG"
  grep -qx 'max_instances = 5' "$RUNNER_CONFIG"
  called "aws ssm get-parameter --name /gitlab/runner/docker-token --with-decryption --output json"
  not_called "systemctl"
  not_called "curl"
  secrets_nowhere
}

@test "no change: in-sync, nothing written, token fields ignored" {
  booted
  cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"

  run bash "$SSM/apply-config.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT in-sync" ]
  cmp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  [ -z "$(backups)" ]
  not_called "systemctl stop"
  not_called "aws ssm put-parameter"
}

@test "a policy change applies live: atomic write with a 0600 backup, no stop or start, health checked" {
  booted
  cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  publish_with 's/idle_count = .*/idle_count = 4/'

  run env EXPECTED_HASH="$HASH" bash "$SSM/apply-config.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT applied-live" ]
  [[ "$output" == *"runners[docker].autoscaler.policy[0].idle_count"* ]]
  grep -qx 'idle_count = 4' "$RUNNER_CONFIG"
  [ "$(stat -c %a "$RUNNER_CONFIG")" = 600 ]
  [ "$(backups | wc -l)" -eq 1 ]
  cmp "$(backups)" "$BATS_TEST_TMPDIR/before"
  [ "$(stat -c %a "$(backups)")" = 600 ]
  # The token times the runner wrote stay.
  grep -qx 'token_expires_at = 2026-12-01T00:00:00+00:00' "$RUNNER_CONFIG"
  not_called "systemctl stop"
  not_called "systemctl start"
  not_called "systemctl restart"
  [ -z "$(find "$(dirname "$RUNNER_CONFIG")" -name '.config.toml.*')" ]
}

@test "keeps the last five backups" {
  booted
  for n in 1 2 3 4 5 6; do touch "$RUNNER_CONFIG.bak-2026010${n}T000000Z"; done
  publish_with 's/idle_count = .*/idle_count = 9/'

  run bash "$SSM/apply-config.sh"

  [ "$status" -eq 0 ]
  [ "$(backups | wc -l)" -eq 5 ]
  [ ! -e "$RUNNER_CONFIG.bak-20260101T000000Z" ]
  [ ! -e "$RUNNER_CONFIG.bak-20260102T000000Z" ]
}

@test "an autoscaler change needs a restart: drain with stop, then write, then start, never restart" {
  booted
  cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  publish_with 's/max_instances = .*/max_instances = 20/'

  run env ALLOW_RESTART=true bash "$SSM/apply-config.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT applied-restart" ]
  [[ "$output" == *"needs a restart: runner docker [runners.autoscaler]"* ]]
  [ "$(call_index 'systemctl daemon-reload')" -lt "$(call_index 'systemctl stop gitlab-runner.service')" ]
  [ "$(call_index 'systemctl stop gitlab-runner.service')" -lt "$(call_index 'systemctl start gitlab-runner.service')" ]
  not_called "systemctl restart"
  # The runner never saw the new config while it ran.
  cmp "$BATS_TEST_TMPDIR/config-at-stop" "$BATS_TEST_TMPDIR/before"
  grep -qx 'max_instances = 20' "$RUNNER_CONFIG"
  grep -q '^TimeoutStopSec=3600$' "$ROOT/etc/systemd/system/gitlab-runner.service.d/10-autopilot-drain.conf"
}

@test "a restart that is not allowed changes nothing" {
  booted
  cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  publish_with 's/^listen_address = .*/listen_address = "127.0.0.1:9253"/'

  run env ALLOW_RESTART=false bash "$SSM/apply-config.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT deferred-restart: listen_address" ]
  cmp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  [ -z "$(backups)" ]
  not_called "systemctl stop"
  not_called "systemctl daemon-reload"
}

@test "an identity change (url) is restart-only" {
  booted
  publish_with 's|url = "https://gitlab.example.com"|url = "https://gitlab2.example.com"|'

  run bash "$SSM/apply-config.sh"

  [ "$(last_line)" = "RESULT deferred-restart: runner docker identity (url/id) changed, runner legacy identity (url/id) changed" ]
}

@test "a new token for a runner with id 0 is an identity change; with an id it applies live" {
  booted
  put_param /gitlab/runner/legacy-token glrt-LEGACY-reset
  put_param /gitlab/runner/docker-token glrt-DOCKER-reset

  run bash "$SSM/apply-config.sh"

  [ "$(last_line)" = "RESULT deferred-restart: runner legacy identity (token with id 0) changed" ]
  [[ "$output" != *"reset"* ]]
  not_called "aws ssm put-parameter"
}

@test "a runner added or removed needs a restart" {
  booted
  python3 -c 'import sys; t = open(sys.argv[1]).read(); print(t[: t.index("[[runners]]\n  name = \"legacy\"")])' \
    "$FIXTURES/template.toml" >"$BATS_TEST_TMPDIR/one-runner.toml"
  publish "$BATS_TEST_TMPDIR/one-runner.toml"

  run bash "$SSM/apply-config.sh"

  # A name only the current config.toml holds may be an old secret: it is shown as a hash.
  [ "$(last_line)" = "RESULT deferred-restart: runner name-sha256:$(printf legacy | sha256sum | cut -c1-12) removed" ]
}

@test "restores the backup when the runner is unhealthy after a live apply" {
  booted
  cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  publish_with 's/idle_time = .*/idle_time = "7m0s"/'
  export FAKE_UNHEALTHY_IF=7m0s

  run bash "$SSM/apply-config.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT failed-restored: metrics at http://127.0.0.1:9252/metrics do not answer after a live apply" ]
  cmp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
}

@test "restores the backup and restarts gracefully again when the restarted runner is unhealthy" {
  booted
  cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  publish_with 's/max_instances = .*/max_instances = 77/'
  export FAKE_UNHEALTHY_IF='max_instances = 77'

  run env ALLOW_RESTART=true bash "$SSM/apply-config.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT failed-restored: metrics at http://127.0.0.1:9252/metrics do not answer after the restart" ]
  cmp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  [ "$(grep -c '^systemctl stop gitlab-runner.service$' "$CALLS")" -eq 2 ]
  [ "$(grep -c '^systemctl start gitlab-runner.service$' "$CALLS")" -eq 2 ]
  not_called "systemctl restart"
}

@test "a drain that fails leaves the config and the runner as they were" {
  booted
  cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  publish_with 's/max_instances = .*/max_instances = 20/'
  fake systemctl 'case "$1" in is-active) echo active ;; show) case "$*" in *KillSignal*) echo 3 ;; *KillMode*) echo mixed ;; *LoadState*) echo loaded ;; *) echo success ;; esac ;; esac'

  run env ALLOW_RESTART=true bash "$SSM/apply-config.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == "RESULT fail: gitlab-runner still active after "*"config.toml not changed, not started" ]]
  cmp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  not_called "systemctl start"
}

@test "drift mode reports the changed keys and never writes" {
  booted
  cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  publish_with 's/idle_count = .*/idle_count = 4/; s/^check_interval = .*/check_interval = 5/'

  run env MODE=drift ALLOW_RESTART=true bash "$SSM/apply-config.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT drift: runners[docker].autoscaler.policy[0].idle_count, check_interval" ]
  cmp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  [ -z "$(backups)" ]
  not_called "systemctl"
}

@test "drift mode reports in-sync" {
  booted

  run env MODE=drift bash "$SSM/apply-config.sh"

  [ "$(last_line)" = "RESULT in-sync" ]
}

@test "a token the runner rotated is kept and written back to its parameter through a file" {
  booted
  sed -i "s/^token = \"$DOCKER_TOKEN\"/token = \"$ROTATED_TOKEN\"\ntoken_obtained_at = 2026-06-01T00:00:00Z/" "$RUNNER_CONFIG"
  publish_with 's/idle_count = .*/idle_count = 3/'

  run bash "$SSM/apply-config.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT applied-live" ]
  printf '%s\n' "$output" | grep -qx 'TOKEN_ROTATED=docker'
  [[ "$output" == *"rotated token of docker kept and written back to /gitlab/runner/docker-token"* ]]
  grep -qx "token = \"$ROTATED_TOKEN\"" "$RUNNER_CONFIG"
  grep -qx 'token_obtained_at = 2026-06-01T00:00:00+00:00' "$RUNNER_CONFIG"
  [ "$(get_param /gitlab/runner/docker-token)" = "$ROTATED_TOKEN" ]
  grep -qE '^aws ssm put-parameter --name /gitlab/runner/docker-token --type SecureString --overwrite --key-id alias/runner-tokens --value file://' "$CALLS"
  secrets_nowhere
}

@test "an apply never puts back an older token, even in drift mode or when a restart is deferred" {
  booted
  sed -i "s/^token = \"$DOCKER_TOKEN\"/token = \"$ROTATED_TOKEN\"/" "$RUNNER_CONFIG"
  publish_with 's/max_instances = .*/max_instances = 20/'

  run env MODE=drift bash "$SSM/apply-config.sh"

  [ "$(last_line)" = "RESULT drift: runners[docker].autoscaler.max_instances" ]
  printf '%s\n' "$output" | grep -qx 'TOKEN_ROTATED=docker'
  [[ "$output" == *"rotated token of docker kept and written back to /gitlab/runner/docker-token"* ]]
  [ "$(get_param /gitlab/runner/docker-token)" = "$ROTATED_TOKEN" ]

  put_param /gitlab/runner/docker-token "$DOCKER_TOKEN"
  run bash "$SSM/apply-config.sh"

  [[ "$(last_line)" == "RESULT deferred-restart: "* ]]
  [[ "$output" == *"TOKEN_ROTATED=docker"* ]]
  [ "$(get_param /gitlab/runner/docker-token)" = "$ROTATED_TOKEN" ]
  grep -qx "token = \"$ROTATED_TOKEN\"" "$RUNNER_CONFIG"
  secrets_nowhere
}

@test "fails without writing when the rotated token cannot be written back" {
  booted
  cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  sed -i "s/^token = \"$DOCKER_TOKEN\"/token = \"$ROTATED_TOKEN\"/" "$RUNNER_CONFIG"
  cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/rotated"
  publish_with 's/idle_count = .*/idle_count = 3/'

  run env FAKE_PUT_FAILS=1 bash "$SSM/apply-config.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == "RESULT fail: cannot write the rotated token of docker back to /gitlab/runner/docker-token"* ]]
  cmp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/rotated"
  secrets_nowhere
}

@test "a stale expected hash fails and changes nothing" {
  booted
  cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  publish_with 's/idle_count = .*/idle_count = 4/'

  run env EXPECTED_HASH="$(printf '%064d' 0)" bash "$SSM/apply-config.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: stale (nothing changed)" ]
  [[ "$output" == *"CONFIG_HASH=$HASH"* ]]
  cmp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  not_called "aws ssm get-parameter --name /gitlab/runner"
}

@test "a manifest that does not match the parameters (a deploy in progress) is stale" {
  booted
  put_param "$CONFIG_PREFIX/values" '{"concurrent": "11"}'

  run bash "$SSM/apply-config.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: stale (nothing changed)" ]
}

@test "an unresolved placeholder fails before anything is written" {
  publish_with 's/check_interval = 3/check_interval = ${interval}/'

  run env MODE=boot bash "$SSM/apply-config.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: error: unresolved placeholder(s): interval" ]
  [ ! -e "$RUNNER_CONFIG" ]
}

@test "a rendered config that is not TOML fails and names no value" {
  publish_with 's/^check_interval = 3/check_interval = "3/'

  run env MODE=boot bash "$SSM/apply-config.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == "RESULT fail: error: the rendered config is not valid TOML: "* ]]
  [ ! -e "$RUNNER_CONFIG" ]
  secrets_nowhere
}

@test "runs gitlab-runner lint where the runner has it, and skips it otherwise" {
  run env MODE=boot bash "$SSM/apply-config.sh"
  [[ "$output" == *"gitlab-runner lint not available in this runner version: skipped"* ]]

  fake gitlab-runner '[ "$1" = lint ] || exit 0; [ "${2:-}" = --help ] && exit 0; echo "unknown key: runners.autoscaler.max_instancez"; exit 1'
  run env MODE=boot bash "$SSM/apply-config.sh"

  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown key: runners.autoscaler.max_instancez"* ]]
  [[ "$(last_line)" == "RESULT fail: gitlab-runner lint rejected the rendered config"* ]]
  grep -qE '^gitlab-runner lint --config .*/config.toml$' "$CALLS"
}

@test "a drained (stopped) manager gets the config but is not started" {
  booted
  echo inactive >"$FAKE_STATE"
  publish_with 's/max_instances = .*/max_instances = 20/'

  run env ALLOW_RESTART=true bash "$SSM/apply-config.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT applied-live: gitlab-runner is inactive: written, not started" ]
  not_called "systemctl start"
  grep -qx 'max_instances = 20' "$RUNNER_CONFIG"
}

@test "a manager whose gitlab-runner.service systemd does not know gets no config" {
  booted
  cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  echo inactive >"$FAKE_STATE"
  export FAKE_LOAD_STATE=not-found
  publish_with 's/max_instances = .*/max_instances = 20/'

  run env ALLOW_RESTART=true bash "$SSM/apply-config.sh"

  [ "$status" -eq 1 ]
  [[ "$(last_line)" == "RESULT fail: gitlab-runner.service is not loaded (LoadState not-found):"*"; config.toml not changed" ]]
  cmp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  not_called "systemctl start"
}

@test "a stopped unit with a gitlab-runner running outside it gets no config" {
  booted
  cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  echo inactive >"$FAKE_STATE"
  export FAKE_STRAY_RUNNER_PID=4321
  publish_with 's/max_instances = .*/max_instances = 20/'

  run env ALLOW_RESTART=true bash "$SSM/apply-config.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: gitlab-runner.service is inactive but gitlab-runner still runs outside it (pid 4321); config.toml not changed" ]
  cmp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
}

@test "a gitlab-runner left running after the drain: config not changed, runner not started" {
  booted
  cp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  export FAKE_STRAY_RUNNER_PID=4321
  publish_with 's/max_instances = .*/max_instances = 20/'

  run env ALLOW_RESTART=true bash "$SSM/apply-config.sh"

  [ "$status" -eq 1 ]
  called "systemctl stop gitlab-runner.service"
  [ "$(last_line)" = "RESULT fail: gitlab-runner.service is inactive but gitlab-runner still runs outside it (pid 4321); config.toml not changed, not started" ]
  cmp "$RUNNER_CONFIG" "$BATS_TEST_TMPDIR/before"
  not_called "systemctl start"
}

@test "never restarts or signals the runner by hand" {
  run grep -nE 'systemctl (restart|kill|reload)|kill -(TERM|QUIT|KILL|s |[1-9])|pkill|killall' "$SSM/apply-config.sh"

  [ "$status" -eq 1 ]
}

@test "never prints a secret rendered into a runner name, in any mode: a hash of the name instead" {
  NAME_SECRET=glrt-NAME-s3cr3t-0004
  put_param /gitlab/runner/name-secret "$NAME_SECRET"
  python3 -c 'import json, sys; v = json.load(open(sys.argv[1])); v["runner_name"] = {"secureParameter": "/gitlab/runner/name-secret"}; print(json.dumps(v))' \
    "$FIXTURES/values.json" >"$BATS_TEST_TMPDIR/values-named.json"
  sed 's/name = "docker"/name = "${runner_name}"/; s/idle_count = .*/idle_count = 4/' "$FIXTURES/template.toml" >"$BATS_TEST_TMPDIR/named.toml"
  booted
  publish "$BATS_TEST_TMPDIR/named.toml" "$BATS_TEST_TMPDIR/values-named.json"
  hashed="runner name-sha256:$(printf '%s' "$NAME_SECRET" | sha256sum | cut -c1-12) added"

  for mode in drift apply; do
    run env MODE=$mode bash "$SSM/apply-config.sh"

    [[ "$output" != *"$NAME_SECRET"* ]]
    [[ "$output" == *"$hashed"* ]]
  done
  run env MODE=boot RUNNER_CONFIG="$BATS_TEST_TMPDIR/fresh.toml" bash "$SSM/apply-config.sh"

  [ "$(last_line)" = "RESULT applied-boot" ]
  [[ "$output" != *"$NAME_SECRET"* ]]
  grep -qx "name = \"$NAME_SECRET\"" "$BATS_TEST_TMPDIR/fresh.toml"
}

@test "passes secrets to no command line: only parameter names and file paths" {
  booted
  sed -i "s/^token = \"$DOCKER_TOKEN\"/token = \"$ROTATED_TOKEN\"\ntoken_obtained_at = 2026-06-01T00:00:00Z/" "$RUNNER_CONFIG"
  publish_with 's/max_instances = .*/max_instances = 20/'

  run env ALLOW_RESTART=true bash -x "$SSM/apply-config.sh"

  [ "$status" -eq 0 ]
  # bash -x traces every command line the script runs, with its arguments.
  secrets_nowhere
}

# --- The boot unit's script (image/scripts/runner-autopilot-config-boot.sh) with these helpers.

BOOT="$BATS_TEST_DIRNAME/../../../image/scripts/runner-autopilot-config-boot.sh"

# IMDSv2 with instance tags from $FAKE_TAGS (one file per key); no such dir: tags not in metadata.
imds_with_tags() {
  export FAKE_TAGS="$BATS_TEST_TMPDIR/tags"
  mkdir -p "$FAKE_TAGS"
  local pair
  for pair in "$@"; do printf '%s' "${pair#*=}" >"$FAKE_TAGS/${pair%%=*}"; done
  fake curl 'out=/dev/stdout; url=""; args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do case "${args[i]}" in -o) out=${args[i+1]} ;; http*) url=${args[i]} ;; esac; done
reply() { printf "%s" "$2" >"$out"; printf "%s" "$1"; }
case "$url" in
  */latest/api/token) echo imds-session-token ;;
  */meta-data/placement/region) reply 200 eu-west-1 ;;
  */meta-data/instance-id) reply 200 i-0123456789abcdef0 ;;
  */meta-data/tags/instance) if [ -d "$FAKE_TAGS" ]; then reply 200 "$(ls "$FAKE_TAGS")"; else reply 404 ""; fi ;;
  */meta-data/tags/instance/*) k=${url##*/}; if [ -f "$FAKE_TAGS/$k" ]; then reply 200 "$(cat "$FAKE_TAGS/$k")"; else reply 404 ""; fi ;;
  *) exit 7 ;;
esac'
}
boot() { env -u AWS_REGION -u CONFIG_PREFIX -u DRAIN_TIMEOUT_SECONDS LIB_DIR="$SSM" bash "$BOOT"; }

@test "boot on a canary: no config rendered and gitlab-runner never started" {
  imds_with_tags runner-autopilot:canary=true "runner-autopilot:config-prefix=$CONFIG_PREFIX"

  run boot

  [ "$status" -eq 0 ]
  [[ "$output" == *"canary instance: no config rendered, gitlab-runner not started"* ]]
  [ ! -e "$RUNNER_CONFIG" ]
  not_called "systemctl start"
  not_called "aws"
}

@test "boot on a real manager: drop-in and config.toml before gitlab-runner starts, without blocking" {
  imds_with_tags "runner-autopilot:config-prefix=$CONFIG_PREFIX" runner-autopilot:drain-timeout-seconds=5400

  run boot

  [ "$status" -eq 0 ]
  grep -qx "token = \"$DOCKER_TOKEN\"" "$RUNNER_CONFIG"
  grep -q '^TimeoutStopSec=5400$' "$ROOT/etc/systemd/system/gitlab-runner.service.d/10-autopilot-drain.conf"
  called "systemctl start --no-block gitlab-runner.service"
  [ "$(call_index 'aws ssm get-parameter --name /gitlab/runner/legacy-token')" -lt "$(call_index 'systemctl start')" ]
  [ "$(call_index 'systemctl daemon-reload')" -lt "$(call_index 'systemctl start')" ]
  secrets_nowhere
}

@test "boot without a drain bound gives the drop-in one that outlasts any fleet's" {
  imds_with_tags "runner-autopilot:config-prefix=$CONFIG_PREFIX"

  run boot

  [ "$status" -eq 0 ]
  stop=$(sed -n 's/^TimeoutStopSec=//p' "$ROOT/etc/systemd/system/gitlab-runner.service.d/10-autopilot-drain.conf")
  # config/example.yaml: maxJobMinutes 120, so a drain bound of 120 x 60 + 900 s.
  [ "$stop" -ge 8100 ]
  [ "$stop" -eq 168900 ]
}

@test "boot without metadata tags reads them with describe-tags" {
  imds_with_tags
  rmdir "$FAKE_TAGS"
  fake aws 'case "$*" in *describe-tags*canary*) echo None ;; *describe-tags*) exit 254 ;; esac'

  run boot

  [ "$status" -eq 1 ]
  called "aws ec2 describe-tags --filters Name=resource-id,Values=i-0123456789abcdef0 Name=key,Values=runner-autopilot:canary --query Tags[0].Value --output text"
  not_called "systemctl start"
}

@test "boot leaves the runner stopped when the tags cannot be read" {
  imds_with_tags
  rmdir "$FAKE_TAGS"
  fake aws 'exit 254'

  run boot

  [ "$status" -eq 1 ]
  [[ "$output" == *"cannot read the instance tags: gitlab-runner not started"* ]]
  not_called "systemctl start"
}

@test "boot leaves the runner stopped when the config cannot be rendered" {
  imds_with_tags "runner-autopilot:config-prefix=$CONFIG_PREFIX"
  put_param "$CONFIG_PREFIX/manifest" '{"hash": "0000"}'

  run boot

  [ "$status" -eq 1 ]
  [[ "$output" == *"RESULT fail: stale"* ]]
  [[ "$output" == *"not rendered from $CONFIG_PREFIX: gitlab-runner not started"* ]]
  [ ! -e "$RUNNER_CONFIG" ]
  not_called "systemctl start"
}

@test "boot without a config prefix starts the runner on the config it has" {
  imds_with_tags

  run boot

  [ "$status" -eq 0 ]
  [[ "$output" == *"no runner-autopilot:config-prefix tag: config.toml left as it is"* ]]
  called "systemctl start --no-block gitlab-runner.service"
}
