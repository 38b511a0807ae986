#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# AWS CLI v2 (the kubeconfig boot unit calls `aws ssm get-parameter`). AWS signs the zip with PGP
# only (no sha256 list); the download is over TLS from AWS's own domain.
set -euo pipefail
[ "$(type -t download)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${ARCH:?}"
BIN_DIR=${BIN_DIR:-${ROOT:-}/usr/local/bin}
case "$ARCH" in
  amd64) machine=x86_64 ;;
  arm64) machine=aarch64 ;;
  *) die "unsupported ARCH \"$ARCH\": use amd64 or arm64" ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
download "https://awscli.amazonaws.com/awscli-exe-linux-${machine}.zip" "$work/awscliv2.zip"
unzip -q "$work/awscliv2.zip" -d "$work"
"$work/aws/install" --update --bin-dir "$BIN_DIR" --install-dir "${ROOT:-}/usr/local/aws-cli"
"$BIN_DIR/aws" --version
