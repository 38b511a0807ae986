# Shared setup for the image script tests: fake commands first on PATH, each logging its argv to
# $CALLS, and a ROOT/BIN_DIR sandbox so nothing touches the real system.
# shellcheck disable=SC2016,SC2034 # SCRIPTS and FILES are for the test files; fake bodies stay literal.
SCRIPTS="$BATS_TEST_DIRNAME/../../image/scripts"
FILES="$BATS_TEST_DIRNAME/../../image/files"

setup_fakes() {
  export FAKE_BIN="$BATS_TEST_TMPDIR/bin" CALLS="$BATS_TEST_TMPDIR/calls"
  export ROOT="$BATS_TEST_TMPDIR/root"
  export BIN_DIR="$ROOT/usr/local/bin"
  mkdir -p "$FAKE_BIN" "$ROOT"
  : >"$CALLS"
  export PATH="$FAKE_BIN:$PATH"
  for cmd in apt-get systemctl useradd usermod snap docker git; do fake "$cmd"; done
}

# fake NAME [BODY]: a command that records its arguments, then runs BODY.
fake() {
  printf '#!/bin/bash\necho "%s $*" >>"$CALLS"\n%s\n' "$1" "${2:-}" >"$FAKE_BIN/$1"
  chmod +x "$FAKE_BIN/$1"
}

called() { grep -qxF "$1" "$CALLS"; }
# A function, not a bare `! grep`: bash's errexit ignores a negated command in the test body.
not_called() { ! grep -q "^$1" "$CALLS"; }
