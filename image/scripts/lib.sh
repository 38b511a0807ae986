#!/bin/bash
# Helpers shared by the bake scripts. The component document inlines this file before each script,
# so a script sources it only when run on its own (tests, by hand).

log() { printf '%s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# Fails loudly on HTTP errors and retries flaky downloads.
download() { curl -fsSL --retry 5 --retry-delay 3 --retry-connrefused -o "$2" "$1"; }

verify_sha256() {
  local file=$1 expected=$2 actual
  [ -n "$expected" ] || die "no published sha256 for $(basename "$file")"
  actual=$(sha256sum "$file" | cut -d' ' -f1)
  [ "$actual" = "$expected" ] || die "sha256 mismatch for $(basename "$file"): expected $expected, got $actual"
}

# The hash listed for `name` in a `sha256sum`-style file ("<hash>  <name>" or "<hash> *<name>").
published_sha256() {
  awk -v name="$2" '{ f = $2; sub(/^\*/, "", f); sub(/^\.\//, "", f); if (f == name) { print $1; exit } }' "$1"
}

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "$@"
}

# A throwaway runner config: `gitlab-runner fleeting` reads the plugin reference from config.toml.
fleeting_config() {
  cat <<TOML
[[runners]]
  name = "fleeting-plugin"
  url = "https://gitlab.invalid"
  token = "unused"
  executor = "docker-autoscaler"
  [runners.autoscaler]
    plugin = "aws:${FLEETING_PLUGIN_VERSION:?}"
TOML
}

# In-image tests: `check <what> <command...>` records a failure instead of stopping, so one run
# reports every missing piece (stderr stays visible in the log); `finish_checks` then fails the step.
failures=0
check() {
  local what=$1
  shift
  if "$@" >/dev/null; then
    log "ok: $what"
  else
    log "FAIL: $what"
    failures=$((failures + 1))
  fi
}
finish_checks() {
  [ "$failures" -eq 0 ] || die "$failures check(s) failed"
  log "all checks passed"
}
