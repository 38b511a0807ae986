#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Ubuntu AMIs ship the SSM agent as a snap; make sure it is there and starts at boot, since the
# canary check, the sweeper and the drain all reach instances through SSM.
set -euo pipefail
[ "$(type -t log)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
unit=snap.amazon-ssm-agent.amazon-ssm-agent.service

snap list amazon-ssm-agent >/dev/null 2>&1 || snap install amazon-ssm-agent --classic
systemctl enable "$unit"
log "$unit enabled"
