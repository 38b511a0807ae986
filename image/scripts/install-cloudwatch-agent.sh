#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# The CloudWatch agent package from AWS's download bucket (there is no Ubuntu archive package).
set -euo pipefail
[ "$(type -t download)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${ARCH:?}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
download "https://amazoncloudwatch-agent.s3.amazonaws.com/ubuntu/${ARCH}/latest/amazon-cloudwatch-agent.deb" \
  "$work/amazon-cloudwatch-agent.deb"
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y "$work/amazon-cloudwatch-agent.deb"
