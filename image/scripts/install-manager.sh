#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# The manager's runner service, installed but NOT enabled: a boot unit decides whether to start it,
# since a canary that took jobs would delete the fleet's instances. Plus the pinned fleeting plugin.
set -euo pipefail
[ "$(type -t fleeting_config)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${FLEETING_PLUGIN_VERSION:?}"
ROOT=${ROOT:-}
FLEETING_PLUGIN_PATH=${FLEETING_PLUGIN_PATH:-/usr/local/lib/fleeting/plugins}

getent passwd gitlab-runner >/dev/null ||
  useradd --comment 'GitLab Runner' --create-home --shell /bin/bash gitlab-runner
gitlab-runner install --user gitlab-runner --working-directory /home/gitlab-runner
systemctl disable gitlab-runner.service

# The service runs as root without HOME, so both install and service use one explicit plugin path.
dropin="$ROOT/etc/systemd/system/gitlab-runner.service.d"
mkdir -p "$dropin"
printf '[Service]\nEnvironment=FLEETING_PLUGIN_PATH=%s\n' "$FLEETING_PLUGIN_PATH" >"$dropin/fleeting-plugin-path.conf"
systemctl daemon-reload

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fleeting_config >"$work/config.toml"
mkdir -p "$ROOT$FLEETING_PLUGIN_PATH"
FLEETING_PLUGIN_PATH="$ROOT$FLEETING_PLUGIN_PATH" gitlab-runner fleeting -c "$work/config.toml" install
log "fleeting-plugin-aws ${FLEETING_PLUGIN_VERSION} installed in $FLEETING_PLUGIN_PATH"
