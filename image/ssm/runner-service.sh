#!/bin/bash
# Helpers for the manager's gitlab-runner service, shared by the drain, restart and health scripts
# (inlined by their documents after lib.sh). See DESIGN.md, "fleeting-plugin-aws and gitlab-runner":
# SIGQUIT is the graceful stop (running jobs finish, no new ones start); SIGTERM, what systemd
# sends by default, aborts running jobs.

RUNNER_UNIT=gitlab-runner.service
METRICS_URL=${METRICS_URL:-http://127.0.0.1:9252/metrics}
DRAIN_DROPIN="${ROOT:-}/etc/systemd/system/gitlab-runner.service.d/10-autopilot-drain.conf"

# KillSignal: SIGQUIT drains. KillMode=mixed: only the main process gets it, so the fleeting plugin
# child keeps managing instances while jobs finish. TimeoutStopSec: the drain bound.
drain_dropin() {
  printf '%s\n' \
    '# Written by runner-autopilot: systemctl stop drains (running jobs finish) instead of aborting them.' \
    '[Service]' \
    'KillSignal=SIGQUIT' \
    'KillMode=mixed' \
    "TimeoutStopSec=$1"
}

# Writes the drop-in (and reloads systemd) only when it is missing or different.
ensure_drain_dropin() {
  local want
  want=$(drain_dropin "$1")
  if [ -f "$DRAIN_DROPIN" ] && [ "$(cat "$DRAIN_DROPIN")" = "$want" ]; then
    log "drain drop-in up to date (TimeoutStopSec=$1)"
    return 0
  fi
  mkdir -p "$(dirname "$DRAIN_DROPIN")"
  printf '%s\n' "$want" >"$DRAIN_DROPIN"
  systemctl daemon-reload
  log "drain drop-in written (KillSignal=SIGQUIT, KillMode=mixed, TimeoutStopSec=$1)"
}

# What systemd will really do on stop: a later drop-in could override ours, and a stop with
# SIGTERM would abort every running job. `systemctl show` prints the signal as a number.
drain_settings_effective() {
  local signal mode
  signal=$(systemctl show -p KillSignal --value "$RUNNER_UNIT" 2>/dev/null || true)
  mode=$(systemctl show -p KillMode --value "$RUNNER_UNIT" 2>/dev/null || true)
  case "$signal" in 3 | SIGQUIT) ;; *) return 1 ;; esac
  [ "$mode" = mixed ] || return 1
}
require_drain_settings() {
  drain_settings_effective ||
    fail "systemd would stop gitlab-runner with KillSignal=$(systemctl show -p KillSignal --value "$RUNNER_UNIT" 2>/dev/null || true) KillMode=$(systemctl show -p KillMode --value "$RUNNER_UNIT" 2>/dev/null || true), not SIGQUIT/mixed: another drop-in overrides $DRAIN_DROPIN; not stopping"
}

# active, activating, deactivating, reloading, inactive or failed.
runner_state() { systemctl is-active "$RUNNER_UNIT" 2>/dev/null || true; }
runner_active() {
  local state
  state=$(runner_state)
  [ "$state" = active ] || {
    note "state \"${state:-unknown}\""
    return 1
  }
}
runner_stopped() {
  case "$(runner_state)" in inactive | failed) return 0 ;; *) return 1 ;; esac
}

# The unit's state proves nothing unless systemd has loaded the unit: is-active prints "inactive"
# for a unit it has no file for (systemd/systemd#25680), while a runner under another unit name
# keeps its jobs running. `systemctl show` succeeds for any name and gives such a unit LoadState
# "not-found" (systemd/systemd#25689 tells "no such unit" by it). Anything but "loaded" (masked,
# bad-setting, no answer) fails too. Prints why, or nothing when the unit is loaded.
runner_unit_missing() {
  local load
  load=$(systemctl show -p LoadState --value "$RUNNER_UNIT" 2>/dev/null || true)
  [ "$load" = loaded ] ||
    echo "$RUNNER_UNIT is not loaded (LoadState ${load:-unknown}): its state says nothing of a gitlab-runner under another unit"
}

# A stopped unit is a stopped runner only when no gitlab-runner process runs outside it (by hand or
# under another unit name): `systemctl stop` returns once the unit's own processes are gone. pgrep
# exits 1 when nothing matches; any other status leaves the question open. Prints why, or nothing.
runner_outside_unit() {
  local pids status=0
  pids=$(pgrep -x gitlab-runner 2>/dev/null) || status=$?
  case "$status" in
    0) echo "$RUNNER_UNIT is $(runner_state) but gitlab-runner still runs outside it (pid ${pids//$'\n'/, })" ;;
    1) ;;
    *) echo "cannot tell whether gitlab-runner runs outside $RUNNER_UNIT (pgrep exited $status)" ;;
  esac
}

# The sum of gitlab_runner_jobs{state="running"}, or "unknown" when the metrics do not answer.
running_jobs() {
  local metrics
  metrics=$(curl -fsS --max-time 5 "$METRICS_URL" 2>/dev/null) || {
    echo unknown
    return 0
  }
  awk '/^gitlab_runner_jobs\{/ && /state="running"/ { sum += $NF } END { print sum + 0 }' <<<"$metrics"
}

# `systemctl stop` returns once the runner has exited, i.e. every running job has finished (or
# systemd gave up after TimeoutStopSec). Meanwhile print the running job count now and then.
# Sets DRAIN_SECONDS; returns 1 when the unit is not stopped afterwards, 2 when the drain overran,
# 3 when a gitlab-runner still runs outside the unit (RUNNER_LEFT says which).
DRAIN_SECONDS=0
RUNNER_LEFT=""
stop_runner() {
  local started pid status=0 next_progress
  started=$(date +%s)
  log "draining: $(running_jobs) running job(s)"
  systemctl stop "$RUNNER_UNIT" &
  pid=$!
  next_progress=$((started + ${PROGRESS_INTERVAL_SECONDS:-60}))
  while kill -0 "$pid" 2>/dev/null; do
    sleep "${POLL_SECONDS:-5}"
    if [ "$(date +%s)" -ge "$next_progress" ]; then
      log "draining for $(($(date +%s) - started))s: $(running_jobs) running job(s)"
      next_progress=$((next_progress + ${PROGRESS_INTERVAL_SECONDS:-60}))
    fi
  done
  wait "$pid" || status=$?
  DRAIN_SECONDS=$(($(date +%s) - started))
  [ "$status" -eq 0 ] || log "systemctl stop exited with $status after ${DRAIN_SECONDS}s"
  if ! runner_stopped; then
    log "gitlab-runner is still $(runner_state) after ${DRAIN_SECONDS}s"
    return 1
  fi
  # systemd ends a stop that outlasts TimeoutStopSec with SIGKILL: the jobs still running were lost.
  if [ "$(systemctl show -p Result --value "$RUNNER_UNIT" 2>/dev/null)" = timeout ]; then
    log "the drain outlasted TimeoutStopSec: systemd killed gitlab-runner after ${DRAIN_SECONDS}s"
    return 2
  fi
  RUNNER_LEFT=$(runner_outside_unit)
  [ -z "$RUNNER_LEFT" ] || return 3
  return 0
}

# drain_runner [SUFFIX]: the graceful stop with the drain settings checked first; fails (SUFFIX
# appended to the reason) when the runner is still up, systemd had to kill it or a gitlab-runner
# still runs outside the unit.
drain_runner() {
  local status=0
  require_drain_settings
  stop_runner || status=$?
  case "$status" in
    0) ;;
    2) fail "drain overran TimeoutStopSec=${DRAIN_TIMEOUT_SECONDS}s: systemd killed gitlab-runner after ${DRAIN_SECONDS}s${1:-}" ;;
    3) fail "$RUNNER_LEFT${1:-}" ;;
    *) fail "gitlab-runner still $(runner_state) after ${DRAIN_SECONDS}s${1:-}" ;;
  esac
}

metrics_answer() {
  local metrics
  metrics=$(curl -fsS --max-time 5 "$METRICS_URL" 2>/dev/null) || return 1
  grep -q '^gitlab_runner_version_info{' <<<"$metrics" || return 1
  # Optional: the version the runner reports must be the expected one.
  [ -z "${RUNNER_VERSION:-}" ] || grep '^gitlab_runner_version_info{' <<<"$metrics" | grep -qF "version=\"$RUNNER_VERSION\""
}
runner_healthy() { [ "$(runner_state)" = active ] && metrics_answer; }

# Waits up to HEALTH_WAIT_SECONDS for the runner to become healthy (a started runner needs a moment
# before it serves metrics), then reports each health check once and prints the RESULT line.
report_health() {
  local deadline
  deadline=$(($(date +%s) + ${HEALTH_WAIT_SECONDS:-60}))
  until runner_healthy || [ "$(date +%s)" -ge "$deadline" ]; do sleep "${POLL_SECONDS:-5}"; done
  log "ok: ssm agent online (this command runs)"
  check "gitlab-runner.service active" runner_active
  check "metrics at $METRICS_URL report gitlab_runner_version_info${RUNNER_VERSION:+ version $RUNNER_VERSION}" metrics_answer
  finish_checks
}
