#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load fakes

setup() {
  setup_fakes
}

@test "install-base updates the package index and installs download prerequisites" {
  run bash "$SCRIPTS/install-base.sh"

  [ "$status" -eq 0 ]
  called "apt-get -o DPkg::Lock::Timeout=600 update"
  called "apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends ca-certificates curl unzip"
}

@test "install-docker installs docker with the compose plugin and git, and starts docker" {
  run bash "$SCRIPTS/install-docker.sh"

  [ "$status" -eq 0 ]
  called "apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends git docker.io docker-compose-v2"
  called "systemctl enable --now docker.service"
  called "docker compose version"
}

@test "enable-ssm-agent installs the snap when it is missing and enables the agent" {
  fake snap '[ "$1" != list ]'

  run bash "$SCRIPTS/enable-ssm-agent.sh"

  [ "$status" -eq 0 ]
  called "snap install amazon-ssm-agent --classic"
  called "systemctl enable snap.amazon-ssm-agent.amazon-ssm-agent.service"
}

@test "enable-ssm-agent keeps the snap Ubuntu ships" {
  run bash "$SCRIPTS/enable-ssm-agent.sh"

  [ "$status" -eq 0 ]
  not_called "snap install"
  called "systemctl enable snap.amazon-ssm-agent.amazon-ssm-agent.service"
}

@test "pre-pull-images pulls every configured image" {
  export PRE_PULL_IMAGES=$'docker.io/library/alpine:3.22\n\ndocker.io/library/docker:28-dind'

  run bash "$SCRIPTS/pre-pull-images.sh"

  [ "$status" -eq 0 ]
  called "docker pull --quiet docker.io/library/alpine:3.22"
  called "docker pull --quiet docker.io/library/docker:28-dind"
  [ "$(grep -c '^docker pull' "$CALLS")" -eq 2 ]
}

@test "pre-pull-images fails when a pull fails" {
  export PRE_PULL_IMAGES=docker.io/library/missing:0
  fake docker '[ "$1" != pull ]'

  run bash "$SCRIPTS/pre-pull-images.sh"

  [ "$status" -ne 0 ]
}

@test "install-aws-cli installs the v2 bundle for the instance architecture" {
  export ARCH=arm64
  fake curl 'touch "${@: -2:1}"'
  # The bundle's installer, as `unzip -q ZIP -d DIR` would extract it.
  cat >"$BATS_TEST_TMPDIR/install" <<'SH'
#!/bin/bash
echo "aws/install $*" >>"$CALLS"
printf '#!/bin/bash\necho aws-cli/2\n' >"$3/aws" && chmod +x "$3/aws"
SH
  fake unzip 'mkdir -p "${@: -1}/aws" && cp "$BATS_TEST_TMPDIR/install" "${@: -1}/aws/install" && chmod +x "${@: -1}/aws/install"'
  mkdir -p "$BIN_DIR"

  run bash "$SCRIPTS/install-aws-cli.sh"

  [ "$status" -eq 0 ]
  grep -qF "https://awscli.amazonaws.com/awscli-exe-linux-aarch64.zip" "$CALLS"
  called "aws/install --update --bin-dir $BIN_DIR --install-dir $ROOT/usr/local/aws-cli"
  [[ "$output" == *aws-cli/2* ]]
}

@test "install-cloudwatch-agent installs the package for the instance architecture" {
  export ARCH=amd64
  fake curl 'touch "${@: -2:1}"'

  run bash "$SCRIPTS/install-cloudwatch-agent.sh"

  [ "$status" -eq 0 ]
  grep -qF "https://amazoncloudwatch-agent.s3.amazonaws.com/ubuntu/amd64/latest/amazon-cloudwatch-agent.deb" "$CALLS"
  grep -qE '^apt-get .* install -y /.*/amazon-cloudwatch-agent.deb$' "$CALLS"
}
