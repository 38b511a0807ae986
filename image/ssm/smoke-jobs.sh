#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Canary smoke test ON a job instance launched from a candidate launch template version: what a
# job needs really works here (docker as the connector user, the tools, disk, the way to GitLab).
# Reports every failed check in one run; the last line is `RESULT pass: ...` or `RESULT fail: ...`.
# CHECKS picks the checks: docker, git, gitlab-runner, tools (kubectl, helm, terraform), disk (/ and
# docker's data root), gitlab-url; all by default.
set -euo pipefail
[ "$(type -t check)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_env RUNNER_VERSION CONNECTOR_USER GITLAB_URL
select_checks docker git gitlab-runner tools disk gitlab-url
MIN_FREE_GIB=${MIN_FREE_GIB:-10}

# Without SMOKE_IMAGE, a pre-pulled image: a small distribution image if there is one (it has
# `true`), else the first tagged one. `docker image ls` prints REPOSITORY TAG ... per line.
pre_pulled_image() {
  docker image ls 2>/dev/null | awk 'NR > 1 && $1 != "<none>" && $2 != "<none>" { print $1 ":" $2 }' |
    awk '{ all[NR] = $0 } /(^|\/)(busybox|alpine|debian|ubuntu):/ && !small { small = $0 }
      END { if (small) print small; else if (NR) print all[1] }'
}

# A container run by the user the fleeting plugin connects as (docker group membership included).
docker_runs_as_connector() {
  [ -n "$SMOKE_IMAGE" ] || {
    note "no image given and none pre-pulled"
    return 1
  }
  quiet sudo -n -u "$CONNECTOR_USER" -- docker run --rm "$SMOKE_IMAGE" true </dev/null
}
# Terraform would otherwise ask checkpoint.hashicorp.com for a newer release.
terraform_answers() { CHECKPOINT_DISABLE=1 quiet terraform version; }
docker_root_dir() { docker info 2>/dev/null | awk -F': ' '/^ *Docker Root Dir:/ { print $2; exit }'; }
# Free space (whole GiB) of the filesystem holding $1, from POSIX `df -P` (1024-byte blocks).
free_gib() { df -Pk "$1" | awk 'NR == 2 { print int($4 / 1048576) }'; }
has_free_space() {
  local path=$1 free
  [ -n "$path" ] || {
    note "docker root dir unknown"
    return 1
  }
  free=$(free_gib "$path")
  note "$path: ${free:-?} GiB free, need $MIN_FREE_GIB"
  [ -n "$free" ] && [ "$free" -ge "$MIN_FREE_GIB" ]
}

if selected docker; then
  SMOKE_IMAGE=${SMOKE_IMAGE:-$(pre_pulled_image)}
  check "docker runs ${SMOKE_IMAGE:-a container} as $CONNECTOR_USER" docker_runs_as_connector
fi
if selected git; then check "git answers" quiet git --version; fi
if selected gitlab-runner; then check "gitlab-runner $RUNNER_VERSION" runner_version_is "$RUNNER_VERSION"; fi
if selected tools; then
  check "kubectl answers" quiet kubectl version --client
  check "helm answers" quiet helm version --short
  check "terraform answers" terraform_answers
fi
if selected disk; then
  check "free space on / >= $MIN_FREE_GIB GiB" has_free_space /
  check "free space on docker's data root >= $MIN_FREE_GIB GiB" has_free_space "$(docker_root_dir)"
fi
if selected gitlab-url; then check "GitLab answers at $GITLAB_URL" gitlab_answers "$GITLAB_URL"; fi

finish_checks
