#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# The user the fleeting plugin connects as must run docker without sudo.
set -euo pipefail
[ "$(type -t log)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${CONNECTOR_USER:?}"

if getent passwd "$CONNECTOR_USER" >/dev/null; then
  log "user $CONNECTOR_USER exists"
else
  useradd --create-home --shell /bin/bash "$CONNECTOR_USER"
  log "user $CONNECTOR_USER created"
fi
usermod -aG docker "$CONNECTOR_USER"
