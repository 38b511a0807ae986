# Shared setup for the SSM script tests: the image tests' fakes (fake commands first on PATH, argv
# logged to $CALLS, a ROOT sandbox) plus fakes for what the SSM scripts call, driven by FAKE_* vars.
# shellcheck disable=SC2016,SC2034 # SSM is for the test files; fake bodies stay literal.
load ../fakes
SSM="$BATS_TEST_DIRNAME/../../../image/ssm"

setup_ssm_fakes() {
  setup_fakes
  export TMPDIR="$BATS_TEST_TMPDIR/tmp" FAKE_STATE="$BATS_TEST_TMPDIR/unit-state"
  mkdir -p "$TMPDIR"
  echo "${FAKE_UNIT_STATE:-active}" >"$FAKE_STATE"
  # Polling loops must not wait in tests.
  fake sleep
  # systemd, with the unit state in $FAKE_STATE; `stop` takes FAKE_STOP_SECONDS and leaves
  # FAKE_STOP_LEAVES behind (inactive by default), `show -p Result` prints FAKE_RESULT and the
  # effective kill settings are FAKE_KILL_SIGNAL (3, SIGQUIT) and FAKE_KILL_MODE (mixed), its
  # LoadState FAKE_LOAD_STATE (loaded; systemd's is-active prints "inactive" for a unit not found).
  fake systemctl 'case "$1" in
  is-active) s=$(cat "$FAKE_STATE"); echo "$s"; [ "$s" = active ] ;;
  stop) /bin/sleep "${FAKE_STOP_SECONDS:-0}"; echo "${FAKE_STOP_LEAVES:-inactive}" >"$FAKE_STATE" ;;
  start) echo "${FAKE_START_LEAVES:-active}" >"$FAKE_STATE" ;;
  show) case "$*" in
    *KillSignal*) echo "${FAKE_KILL_SIGNAL:-3}" ;;
    *KillMode*) echo "${FAKE_KILL_MODE:-mixed}" ;;
    *LoadState*) echo "${FAKE_LOAD_STATE:-loaded}" ;;
    *) echo "${FAKE_RESULT:-success}" ;;
  esac ;;
esac'
  # `pgrep -x gitlab-runner`: the unit's own runner (pid 1000) while the unit is up, and a runner
  # outside it (started by hand or under another unit name) with pid FAKE_STRAY_RUNNER_PID.
  fake pgrep 'pids=()
case "$(cat "$FAKE_STATE")" in active | activating | deactivating | reloading) pids+=(1000) ;; esac
[ -z "${FAKE_STRAY_RUNNER_PID:-}" ] || pids+=("$FAKE_STRAY_RUNNER_PID")
[ "${#pids[@]}" -gt 0 ] || exit 1
printf "%s\n" "${pids[@]}"'
  # IMDSv2 answers FAKE_IMDS_REGION (unset: no answer), metrics come from $FAKE_METRICS (a file;
  # missing means refused), GitLab answers FAKE_HTTP_CODE.
  fake curl 'case "$*" in
  *169.254.169.254/latest/api/token*) [ -n "${FAKE_IMDS_REGION:-}" ] || exit 28; echo imds-session-token ;;
  *169.254.169.254/latest/meta-data/placement/region*) echo "$FAKE_IMDS_REGION" ;;
  *metrics*) [ -f "${FAKE_METRICS:-/nonexistent}" ] || exit 7; cat "$FAKE_METRICS" ;;
  *) printf "%s" "${FAKE_HTTP_CODE:-200}"; exit "${FAKE_CURL_EXIT:-0}" ;;
esac'
  fake gitlab-runner 'case "$1" in
  --version) printf "Version:      %s\nGit revision: 0123abcd\n" "${FAKE_RUNNER_VERSION:-18.6.2}" ;;
  fleeting) echo "registry.gitlab.com/gitlab-org/fleeting/plugins/aws:${FAKE_PLUGIN_VERSION:-1.0.0}: $FLEETING_PLUGIN_PATH/aws/plugin" ;;
esac'
}

write_metrics() {
  export FAKE_METRICS="$BATS_TEST_TMPDIR/metrics"
  printf '%s\n' "$@" >"$FAKE_METRICS"
}

# A healthy runner's metrics: version info and two running jobs on two runners, one pending.
healthy_metrics() {
  write_metrics \
    '# HELP gitlab_runner_version_info A metric with a constant 1 value labeled by different build stats fields.' \
    'gitlab_runner_version_info{architecture="amd64",name="gitlab-runner",os="linux",version="18.6.2"} 1' \
    'gitlab_runner_jobs{executor_stage="",runner="aaaa1111",stage="",state="running",system_id="s_1"} 1' \
    'gitlab_runner_jobs{executor_stage="",runner="bbbb2222",stage="",state="running",system_id="s_1"} 1' \
    'gitlab_runner_jobs{executor_stage="",runner="bbbb2222",stage="",state="pending",system_id="s_1"} 1'
}

# shellcheck disable=SC2154 # bats' run sets output.
last_line() { printf '%s\n' "$output" | tail -n 1; }
# The line number of the first call starting with $1 in $CALLS (empty when absent).
call_index() { grep -n "^$1" "$CALLS" | head -n 1 | cut -d: -f1; }
