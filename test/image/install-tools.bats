#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load fakes

# Builds the release artifacts the real download sites serve, with their checksum files.
make_artifacts() {
  local dl="$BATS_TEST_TMPDIR/dl"
  mkdir -p "$dl/linux-amd64" "$dl/tf"
  printf 'kubectl-binary\n' >"$dl/kubectl"
  sha256sum "$dl/kubectl" | cut -d' ' -f1 >"$dl/kubectl.sha256"
  printf 'helm-binary\n' >"$dl/linux-amd64/helm"
  tar -czf "$dl/helm-v3.19.2-linux-amd64.tar.gz" -C "$dl" linux-amd64/helm
  (cd "$dl" && sha256sum helm-v3.19.2-linux-amd64.tar.gz >helm.sha256sum)
  printf 'terraform-binary\n' >"$dl/tf/terraform"
  (cd "$dl/tf" && zip -q ../terraform_1.14.0_linux_amd64.zip terraform)
  (cd "$dl" && sha256sum terraform_1.14.0_linux_amd64.zip >terraform.sums)
}

setup() {
  setup_fakes
  export KUBECTL_VERSION=1.34.2 HELM_VERSION=3.19.2 TERRAFORM_VERSION=1.14.0 ARCH=amd64
  make_artifacts
  fake curl 'out=${@: -2:1}; dl="$BATS_TEST_TMPDIR/dl"
case "${@: -1}" in
  https://dl.k8s.io/release/v1.34.2/bin/linux/amd64/kubectl) cp "$dl/kubectl" "$out" ;;
  https://dl.k8s.io/release/v1.34.2/bin/linux/amd64/kubectl.sha256) cp "$dl/kubectl.sha256" "$out" ;;
  https://get.helm.sh/helm-v3.19.2-linux-amd64.tar.gz) cp "$dl/helm-v3.19.2-linux-amd64.tar.gz" "$out" ;;
  https://get.helm.sh/helm-v3.19.2-linux-amd64.tar.gz.sha256sum) cp "$dl/helm.sha256sum" "$out" ;;
  https://releases.hashicorp.com/terraform/1.14.0/terraform_1.14.0_linux_amd64.zip) cp "$dl/terraform_1.14.0_linux_amd64.zip" "$out" ;;
  https://releases.hashicorp.com/terraform/1.14.0/terraform_1.14.0_SHA256SUMS) cp "$dl/terraform.sums" "$out" ;;
  *) exit 22 ;;
esac'
}

@test "installs kubectl, helm and terraform at the configured versions after checking their checksums" {
  run bash "$SCRIPTS/install-tools.sh"

  [ "$status" -eq 0 ]
  [ "$(cat "$BIN_DIR/kubectl")" = kubectl-binary ]
  [ "$(cat "$BIN_DIR/helm")" = helm-binary ]
  [ "$(cat "$BIN_DIR/terraform")" = terraform-binary ]
  [ -x "$BIN_DIR/kubectl" ] && [ -x "$BIN_DIR/helm" ] && [ -x "$BIN_DIR/terraform" ]
}

@test "fails without installing terraform when its checksum does not match" {
  printf 'tampered\n' >>"$BATS_TEST_TMPDIR/dl/terraform_1.14.0_linux_amd64.zip"

  run bash "$SCRIPTS/install-tools.sh"

  [ "$status" -ne 0 ]
  [[ "$output" == *"sha256 mismatch for terraform_1.14.0_linux_amd64.zip"* ]]
  [ ! -e "$BIN_DIR/terraform" ]
}

@test "fails when a download fails" {
  export HELM_VERSION=9.9.9

  run bash "$SCRIPTS/install-tools.sh"

  [ "$status" -ne 0 ]
  [ ! -e "$BIN_DIR/helm" ]
}
