#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load fakes

setup() {
  setup_fakes
  export RUNNER_VERSION=18.6.2 ARCH=arm64
  printf 'runner-binary\n' >"$BATS_TEST_TMPDIR/binary"
  hash=$(sha256sum "$BATS_TEST_TMPDIR/binary" | cut -d' ' -f1)
  printf '%s *binaries/gitlab-runner-linux-amd64\n%s *binaries/gitlab-runner-linux-arm64\n' \
    0000000000000000000000000000000000000000000000000000000000000000 "$hash" >"$BATS_TEST_TMPDIR/release.sha256"
  # curl -fsSL ... -o FILE URL: serve the two release files by URL suffix.
  fake curl 'out=${@: -2:1}; url=${@: -1}
case "$url" in
  */binaries/gitlab-runner-linux-*) cp "$BATS_TEST_TMPDIR/binary" "$out" ;;
  */release.sha256) cp "$BATS_TEST_TMPDIR/release.sha256" "$out" ;;
  *) exit 22 ;;
esac'
}

@test "installs the runner binary of the configured version and architecture" {
  run bash "$SCRIPTS/install-gitlab-runner.sh"

  [ "$status" -eq 0 ]
  grep -qF "https://gitlab-runner-downloads.s3.amazonaws.com/v18.6.2/binaries/gitlab-runner-linux-arm64" "$CALLS"
  [ -x "$BIN_DIR/gitlab-runner" ]
  [ "$(cat "$BIN_DIR/gitlab-runner")" = runner-binary ]
}

@test "fails and installs nothing when the binary does not match release.sha256" {
  export ARCH=amd64

  run bash "$SCRIPTS/install-gitlab-runner.sh"

  [ "$status" -ne 0 ]
  [[ "$output" == *"sha256 mismatch for gitlab-runner"* ]]
  [ ! -e "$BIN_DIR/gitlab-runner" ]
}
