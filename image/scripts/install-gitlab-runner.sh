#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# The gitlab-runner binary at exactly the manager's version, checked against the release's sha256 list.
set -euo pipefail
[ "$(type -t download)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${RUNNER_VERSION:?}" "${ARCH:?}"
BIN_DIR=${BIN_DIR:-${ROOT:-}/usr/local/bin}
base=${RUNNER_DOWNLOAD_BASE:-https://gitlab-runner-downloads.s3.amazonaws.com}/v${RUNNER_VERSION}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
download "$base/binaries/gitlab-runner-linux-${ARCH}" "$work/gitlab-runner"
download "$base/release.sha256" "$work/release.sha256"
verify_sha256 "$work/gitlab-runner" "$(published_sha256 "$work/release.sha256" "binaries/gitlab-runner-linux-${ARCH}")"

mkdir -p "$BIN_DIR"
install -m 0755 "$work/gitlab-runner" "$BIN_DIR/gitlab-runner"
log "gitlab-runner ${RUNNER_VERSION} installed in $BIN_DIR"
