#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Packages the other bake scripts rely on (downloads, zip archives, TLS roots).
set -euo pipefail
[ "$(type -t apt_install)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update
apt_install ca-certificates curl unzip
