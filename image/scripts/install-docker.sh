#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Docker from Ubuntu's archive: signed by keys the image already trusts and patched by
# unattended-upgrades, so there is no third-party repository or key to manage.
set -euo pipefail
[ "$(type -t apt_install)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

apt_install git docker.io docker-compose-v2
systemctl enable --now docker.service
docker compose version
git --version
