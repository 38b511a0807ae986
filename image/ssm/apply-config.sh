#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Renders the manager's config.toml from Parameter Store and applies it ON the manager (SSM
# document apply-config, or the boot unit with MODE=boot). runner_config.py beside this script (or
# its text in RUNNER_CONFIG_PY_SOURCE, which the document embeds) does the TOML part; see its head
# for the parameters (CONFIG_PREFIX/template, /values, /manifest) and the config hash.
#
# MODE apply: write when changed; a change gitlab-runner applies live (it re-reads config.toml) is
#   written while it runs; one that needs a restart (listen_address, [session_server], the
#   [runners.autoscaler] tables but its policies, a runner added, removed or with a new identity)
#   is applied as drain (systemctl stop, SIGQUIT drop-in), write, systemctl start, only with
#   ALLOW_RESTART=true; otherwise nothing changes. An unhealthy runner gets the backup back.
# MODE drift: report only (token fields ignored). MODE boot: write, no health check, no restart.
# Tokens the runner rotated stay in the file and go back to their SecureString parameter.
#
# Last lines: CONFIG_HASH=<sha256>, then RESULT in-sync | drift: <keys> | deferred-restart: <why> |
# applied-live | applied-restart | applied-boot | failed-restored: <why> | fail: <why>; exit 0
# unless fail or failed-restored. Never prints a value: key paths, names and hashes only.
set -euo pipefail
[ "$(type -t check)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(type -t stop_runner)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/runner-service.sh"
require_env CONFIG_PREFIX
MODE=${MODE:-apply}
ALLOW_RESTART=${ALLOW_RESTART:-false}
EXPECTED_HASH=${EXPECTED_HASH:-}
RUNNER_CONFIG=${RUNNER_CONFIG:-${ROOT:-}/etc/gitlab-runner/config.toml}
STATE_DIR=${STATE_DIR:-${ROOT:-}/var/lib/runner-autopilot}
BACKUPS_KEPT=${BACKUPS_KEPT:-5}
case "$MODE" in apply | drift | boot) ;; *) fail "unknown MODE \"$MODE\": use apply, drift or boot" ;; esac
case "$ALLOW_RESTART" in true | false) ;; *) fail "ALLOW_RESTART must be true or false" ;; esac
[[ "$EXPECTED_HASH" =~ ^([0-9a-f]{64})?$ ]] || fail "EXPECTED_HASH must be 64 lowercase hex digits or empty"

config_hash=unknown
finish() { # finish <exit status> <RESULT text>
  log "CONFIG_HASH=$config_hash"
  _result_printed=1
  log "RESULT $2"
  exit "$1"
}
abort() { finish 1 "fail: $*"; }

umask 077
work=$(mktemp -d)
remove_on_exit "$work"
py=$(dirname "${BASH_SOURCE[0]}")/runner_config.py
if [ -n "${RUNNER_CONFIG_PY_SOURCE:-}" ]; then
  py=$work/runner_config.py
  printf '%s\n' "$RUNNER_CONFIG_PY_SOURCE" >"$py"
fi
[ -f "$py" ] || abort "runner_config.py not found beside $(dirname "${BASH_SOURCE[0]}")"
command -v python3 >/dev/null || abort "python3 (3.11+, tomllib) is not installed"

ensure_region
log "config $CONFIG_PREFIX -> $RUNNER_CONFIG (mode $MODE, AllowRestart $ALLOW_RESTART)"

# get-parameter's JSON response goes to a 0600 file; the value is never in argv or on stdout.
get_parameter() { # get_parameter <name> <output file> [--with-decryption]
  aws ssm get-parameter --name "$1" ${3:+"$3"} --output json >"$2" 2>"$work/aws.err" ||
    abort "cannot read parameter $1: $(tr '\n' ' ' <"$work/aws.err" | cut -c1-300)"
}
for part in template values manifest; do get_parameter "$CONFIG_PREFIX/$part" "$work/$part.json"; done

status=0
python3 "$py" prepare "$work" "$EXPECTED_HASH" >"$work/prepare.out" 2>"$work/py.err" || status=$?
config_hash=$(awk -F'\t' '$1 == "HASH" { print $2 }' "$work/prepare.out")
config_hash=${config_hash:-unknown}
case "$status" in
  0) ;;
  3)
    log "$(awk -F'\t' '$1 == "STALE" { print "stale: " $2 }' "$work/prepare.out")"
    abort "stale (nothing changed)"
    ;;
  *) abort "$(cat "$work/py.err")" ;;
esac

while IFS=$'\t' read -r kind name path; do
  [ "$kind" = SECRET ] || continue
  get_parameter "$path" "$work/secret-$name.json" --with-decryption
done <"$work/prepare.out"

mkdir -p "$STATE_DIR"
history=$STATE_DIR/token-history.json
python3 "$py" plan "$work" "$RUNNER_CONFIG" "$history" >"$work/plan.out" 2>"$work/py.err" ||
  abort "$(cat "$work/py.err")"
field() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$work/plan.out"; }
joined() { paste -sd, - | sed 's/,/, /g'; }
state=$(field STATUS)
changes=$(field CHANGE)
reasons=$(field RESTART | joined)

# gitlab-runner lint (~19.2) checks keys and the schema; older runners do not have it.
if gitlab-runner lint --help >/dev/null 2>&1; then
  if ! gitlab-runner lint --config "$work/config.toml" >"$work/lint.out" 2>&1; then
    # Findings may quote values: print only the unknown-key lines, which name keys.
    grep -o 'unknown key: [A-Za-z0-9_.-]*' "$work/lint.out" | head -n 20 || true
    abort "gitlab-runner lint rejected the rendered config ($(wc -l <"$work/lint.out") line(s) of findings)"
  fi
  log "ok: gitlab-runner lint"
else
  log "gitlab-runner lint not available in this runner version: skipped (TOML syntax checked)"
fi

# Tokens the runner rotated: kept in the config (plan did) and written back to their parameter,
# in every mode, so no later render puts an older token back. The value goes through a file.
while IFS=$'\t' read -r kind runner param file; do
  [ "$kind" = ROTATED ] || continue
  if [ "$param" = - ]; then
    log "TOKEN_ROTATED=$runner"
    log "  its token is not from a secureParameter: kept in config.toml only"
    continue
  fi
  # Overwriting a SecureString without --key-id would re-encrypt it with aws/ssm: keep its key.
  key=$(aws ssm describe-parameters --parameter-filters "Key=Name,Values=$param" \
    --query 'Parameters[0].KeyId' --output text 2>"$work/aws.err") ||
    abort "cannot describe parameter $param to write back the rotated token of $runner"
  [ "$key" != None ] || key=""
  aws ssm put-parameter --name "$param" --type SecureString --overwrite ${key:+--key-id "$key"} \
    --value "file://$file" >/dev/null 2>"$work/aws.err" ||
    abort "cannot write the rotated token of $runner back to $param: $(tr '\n' ' ' <"$work/aws.err" | cut -c1-300)"
  log "TOKEN_ROTATED=$runner"
  log "  rotated token of $runner kept and written back to $param"
done <"$work/plan.out"

save_history() { cp "$work/history.json" "$history" && chmod 0600 "$history"; }
summary() {
  local count
  count=$(printf '%s\n' "$changes" | grep -c . || true)
  log "$count change(s)${changes:+: $(printf '%s\n' "$changes" | head -n 20 | joined)}"
  if [ -n "$reasons" ]; then log "needs a restart: $reasons"; else log "applies live"; fi
}

if [ "$state" = in-sync ]; then
  [ "$MODE" = drift ] || save_history
  log "config.toml matches (token fields aside)"
  finish 0 in-sync
fi
summary
if [ "$MODE" = drift ]; then
  drift=$(printf '%s\n' "$changes" | head -n 20 | joined)
  [ "$(printf '%s\n' "$changes" | grep -c .)" -le 20 ] || drift="$drift, ..."
  finish 0 "drift: ${drift:-no previous config.toml}"
fi
if [ "$MODE" = apply ] && [ -n "$reasons" ] && [ "$ALLOW_RESTART" != true ]; then
  finish 0 "deferred-restart: $reasons"
fi

backup=""
# Atomic: a temp file in the same directory, flushed, then renamed over config.toml. The old file
# is kept as config.toml.bak-<UTC time> (the last BACKUPS_KEPT of them).
write_config() {
  local dir tmp stamp
  dir=$(dirname "$RUNNER_CONFIG")
  mkdir -p "$dir"
  if [ -f "$RUNNER_CONFIG" ]; then
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    backup="$RUNNER_CONFIG.bak-$stamp"
    [ ! -e "$backup" ] || backup="$backup-$$"
    cp -p "$RUNNER_CONFIG" "$backup"
    chmod 0600 "$backup"
    # shellcheck disable=SC2012 # our own names: no newlines
    ls -1 "$RUNNER_CONFIG".bak-* | sort | head -n "-$BACKUPS_KEPT" | while read -r old; do rm -f -- "$old"; done
  fi
  tmp=$(mktemp "$dir/.config.toml.XXXXXX")
  cat "$work/config.toml" >"$tmp"
  chmod 0600 "$tmp"
  [ ! -f "$RUNNER_CONFIG" ] || chown --reference="$RUNNER_CONFIG" "$tmp" 2>/dev/null || true
  sync "$tmp" 2>/dev/null || true
  mv -f "$tmp" "$RUNNER_CONFIG"
  sync "$dir" 2>/dev/null || true
  log "wrote $RUNNER_CONFIG${backup:+ (backup $(basename "$backup"))}"
}
restore_config() {
  if [ -n "$backup" ]; then
    cp -p "$backup" "$RUNNER_CONFIG.restore" && mv -f "$RUNNER_CONFIG.restore" "$RUNNER_CONFIG"
    log "restored $(basename "$backup")"
  else
    rm -f -- "$RUNNER_CONFIG"
    log "removed the new config.toml (there was none before)"
  fi
}
wait_healthy() {
  local deadline
  deadline=$(($(date +%s) + ${HEALTH_WAIT_SECONDS:-60}))
  until runner_healthy; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep "${POLL_SECONDS:-5}"
  done
}
unhealthy_why() {
  if [ "$(runner_state)" != active ]; then echo "gitlab-runner.service $(runner_state)"; else echo "metrics at $METRICS_URL do not answer"; fi
}
# Drain (running jobs finish) or fail without having changed the config.
drain() {
  local status=0
  stop_runner || status=$?
  case "$status" in
    0) log "drained in ${DRAIN_SECONDS}s" ;;
    2) abort "drain overran TimeoutStopSec=${DRAIN_TIMEOUT_SECONDS}s: systemd killed gitlab-runner after ${DRAIN_SECONDS}s; $1" ;;
    3) abort "$RUNNER_LEFT; $1" ;;
    *) abort "gitlab-runner still $(runner_state) after ${DRAIN_SECONDS}s; $1" ;;
  esac
}

if [ "$MODE" = boot ]; then
  write_config
  save_history
  finish 0 applied-boot
fi

# A unit systemd does not know reads "inactive", and a runner outside a stopped unit would read the
# new config.toml live, a new identity included (see the restart below).
why=$(runner_unit_missing)
[ -z "$why" ] || abort "$why; config.toml not changed"
if runner_stopped; then
  why=$(runner_outside_unit)
  [ -z "$why" ] || abort "$why; config.toml not changed"
fi

if [ "$(runner_state)" != active ]; then
  # A stopped (drained) manager stays stopped: the config is read when it starts.
  write_config
  save_history
  finish 0 "applied-live: gitlab-runner is $(runner_state): written, not started"
fi

if [ -z "$reasons" ]; then
  write_config
  save_history
  # gitlab-runner re-reads config.toml every few seconds.
  sleep "${LIVE_SETTLE_SECONDS:-10}"
  wait_healthy && finish 0 applied-live
  why=$(unhealthy_why)
  restore_config
  finish 1 "failed-restored: $why after a live apply"
fi

# Restart: the new config is written only once the runner has stopped, since a runner that re-read
# a new identity while still running would start a second autoscaler on the same group.
require_env DRAIN_TIMEOUT_SECONDS
ensure_drain_dropin "$DRAIN_TIMEOUT_SECONDS"
require_drain_settings
drain "config.toml not changed, not started"
write_config
save_history
systemctl start "$RUNNER_UNIT" || log "systemctl start $RUNNER_UNIT failed"
wait_healthy && finish 0 applied-restart
why=$(unhealthy_why)
log "unhealthy after the restart ($why): restoring the previous config"
if ! runner_stopped; then drain "the new config.toml is still in place"; fi
restore_config
systemctl start "$RUNNER_UNIT" || log "systemctl start $RUNNER_UNIT failed"
wait_healthy || abort "$why after the restart, and still $(unhealthy_why) with the restored config"
finish 1 "failed-restored: $why after the restart"
