#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load fakes

SECRET='apiVersion: v1
users:
- name: ci
  user: {token: s3cr3t-token-value}'

setup() {
  setup_fakes
  export KUBECONFIG_PARAMETER=/runner-autopilot/kubeconfig CONNECTOR_USER=builder
  export TARGET="$ROOT/home/builder/.kube/config"
  fake curl 'case "${@: -1}" in
  */latest/api/token) echo imds-token ;;
  */meta-data/placement/region) echo eu-central-1 ;;
  *) exit 22 ;;
esac'
  fake chown
  export SECRET
  fake aws 'printf "%s\n" "$SECRET"'
}

@test "writes the parameter to the user's kubeconfig with mode 0600 and never prints it" {
  run bash "$SCRIPTS/fetch-kubeconfig.sh"

  [ "$status" -eq 0 ]
  [ "$(cat "$TARGET")" = "$SECRET" ]
  [ "$(stat -c %a "$TARGET")" = 600 ]
  [[ "$output" != *s3cr3t* ]]
  ! grep -q s3cr3t "$CALLS" || false
  called "aws ssm get-parameter --region eu-central-1 --name /runner-autopilot/kubeconfig --with-decryption --query Parameter.Value --output text"
  called "chown builder: $ROOT/home/builder/.kube"
}

@test "asks IMDS with a session token (IMDSv2)" {
  run bash "$SCRIPTS/fetch-kubeconfig.sh"

  [ "$status" -eq 0 ]
  grep -qF -- "-X PUT -H X-aws-ec2-metadata-token-ttl-seconds: 300 http://169.254.169.254/latest/api/token" "$CALLS"
  grep -qF -- "-H X-aws-ec2-metadata-token: imds-token http://169.254.169.254/latest/meta-data/placement/region" "$CALLS"
}

@test "leaves the existing kubeconfig untouched when the parameter cannot be read" {
  mkdir -p "$(dirname "$TARGET")"
  printf 'previous\n' >"$TARGET"
  fake aws 'echo "An error occurred (AccessDeniedException)" >&2; exit 254'

  run bash "$SCRIPTS/fetch-kubeconfig.sh"

  [ "$status" -ne 0 ]
  [ "$(cat "$TARGET")" = previous ]
  [ "$(ls -A "$(dirname "$TARGET")")" = config ]
}

@test "leaves the existing kubeconfig untouched when the parameter is empty" {
  mkdir -p "$(dirname "$TARGET")"
  printf 'previous\n' >"$TARGET"
  fake aws 'true'

  run bash "$SCRIPTS/fetch-kubeconfig.sh"

  [ "$status" -ne 0 ]
  [[ "$output" == *"is empty"* ]]
  [ "$(cat "$TARGET")" = previous ]
  [ "$(ls -A "$(dirname "$TARGET")")" = config ]
}
