#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# kubectl, helm and terraform at pinned versions, each checked against its published checksum.
set -euo pipefail
[ "$(type -t download)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${KUBECTL_VERSION:?}" "${HELM_VERSION:?}" "${TERRAFORM_VERSION:?}" "${ARCH:?}"
BIN_DIR=${BIN_DIR:-${ROOT:-}/usr/local/bin}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$BIN_DIR"

kubectl_url="https://dl.k8s.io/release/v${KUBECTL_VERSION}/bin/linux/${ARCH}/kubectl"
download "$kubectl_url" "$work/kubectl"
download "$kubectl_url.sha256" "$work/kubectl.sha256"
verify_sha256 "$work/kubectl" "$(tr -d '[:space:]' <"$work/kubectl.sha256")"
install -m 0755 "$work/kubectl" "$BIN_DIR/kubectl"

helm_tgz="helm-v${HELM_VERSION}-linux-${ARCH}.tar.gz"
download "https://get.helm.sh/$helm_tgz" "$work/$helm_tgz"
download "https://get.helm.sh/$helm_tgz.sha256sum" "$work/helm.sha256sum"
verify_sha256 "$work/$helm_tgz" "$(published_sha256 "$work/helm.sha256sum" "$helm_tgz")"
tar -xzf "$work/$helm_tgz" -C "$work" "linux-${ARCH}/helm"
install -m 0755 "$work/linux-${ARCH}/helm" "$BIN_DIR/helm"

tf_zip="terraform_${TERRAFORM_VERSION}_linux_${ARCH}.zip"
tf_base="https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}"
download "$tf_base/$tf_zip" "$work/$tf_zip"
download "$tf_base/terraform_${TERRAFORM_VERSION}_SHA256SUMS" "$work/terraform.sha256sums"
verify_sha256 "$work/$tf_zip" "$(published_sha256 "$work/terraform.sha256sums" "$tf_zip")"
unzip -o -q "$work/$tf_zip" terraform -d "$work"
install -m 0755 "$work/terraform" "$BIN_DIR/terraform"

log "kubectl ${KUBECTL_VERSION}, helm ${HELM_VERSION}, terraform ${TERRAFORM_VERSION} installed in $BIN_DIR"
