#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# In-image test for job images: runs on an instance launched from the new image and fails the
# build when anything a job needs is missing or at the wrong version. Reports every failure.
set -uo pipefail
[ "$(type -t check)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${RUNNER_VERSION:?}" "${KUBECTL_VERSION:?}" "${HELM_VERSION:?}" "${TERRAFORM_VERSION:?}" "${CONNECTOR_USER:?}"
KUBECONFIG_MODE=${KUBECONFIG_MODE:-none}
kubeconfig="${ROOT:-}/home/$CONNECTOR_USER/.kube/config"

runner_version() { gitlab-runner --version | awk '/^Version:/ { print $2 }'; }
kubectl_version() { kubectl version --client | awk '/^Client Version:/ { print $3 }'; }
helm_version() { helm version --short | cut -d+ -f1; }
terraform_version() { terraform version | awk 'NR == 1 { print $2 }'; }
equals() {
  local actual
  actual=$($1)
  [ "$actual" = "$2" ] || { log "  found \"$actual\""; return 1; }
}
in_docker_group() { id -nG "$CONNECTOR_USER" | tr ' ' '\n' | grep -qx docker; }
private_to_user() { [ -f "$kubeconfig" ] && [ "$(stat -c '%a %U' "$kubeconfig")" = "600 $CONNECTOR_USER" ]; }

check "docker service active" systemctl is-active --quiet docker.service
check "docker daemon answers" docker info
check "docker compose plugin answers" docker compose version
check "git" git --version
check "aws cli" aws --version
check "gitlab-runner $RUNNER_VERSION" equals runner_version "$RUNNER_VERSION"
check "kubectl $KUBECTL_VERSION" equals kubectl_version "v$KUBECTL_VERSION"
check "helm $HELM_VERSION" equals helm_version "v$HELM_VERSION"
check "terraform $TERRAFORM_VERSION" equals terraform_version "v$TERRAFORM_VERSION"
check "user $CONNECTOR_USER in docker group" in_docker_group
check "ssm agent enabled" systemctl is-enabled --quiet snap.amazon-ssm-agent.amazon-ssm-agent.service

while IFS= read -r image; do
  [ -n "$image" ] && check "image $image pre-pulled" docker image inspect "$image"
done <<<"${PRE_PULL_IMAGES:-}"

case "$KUBECONFIG_MODE" in
  none) ;;
  boot) check "fetch-kubeconfig.service enabled" systemctl is-enabled --quiet fetch-kubeconfig.service ;;
  baked) check "$kubeconfig is 0600 and owned by $CONNECTOR_USER" private_to_user ;;
  *) check "known KUBECONFIG_MODE (got \"$KUBECONFIG_MODE\")" false ;;
esac

finish_checks
