#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Images pulled at bake time start jobs without a registry round trip (and rate limits).
set -euo pipefail
[ "$(type -t log)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

while IFS= read -r image; do
  [ -n "$image" ] || continue
  docker pull --quiet "$image"
done <<<"${PRE_PULL_IMAGES:-}"
docker image ls
