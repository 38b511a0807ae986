#!/usr/bin/env bats
# Fake bodies are literal code for the fakes, and each @test runs in its own subshell.
# shellcheck disable=SC2016,SC2030,SC2031
load ssm-fakes

setup() {
  setup_ssm_fakes
  export CANARY_INSTANCE_ID=i-0123456789abcdef0 CANARY_PRIVATE_IP=10.0.1.23 CONNECTOR_USER=ubuntu \
    AWS_REGION=us-east-2
  fake ssh-keygen 'while [ "$#" -gt 0 ]; do [ "$1" = -f ] && key=$2; shift; done
echo private >"$key"; echo "ssh-ed25519 AAAAC3Nz test" >"$key.pub"'
  # The key must exist while it is pushed and used; record what EC2 Instance Connect received.
  fake aws 'echo "$AWS_REGION $AWS_DEFAULT_REGION" >"$BATS_TEST_TMPDIR/aws-region"
for arg; do case "$arg" in file://*) cp "${arg#file://}" "$BATS_TEST_TMPDIR/pushed.pub" ;; esac; done
exit "${FAKE_AWS_EXIT:-0}"'
  export BATS_TEST_TMPDIR
  fake ssh '[ -f "$2" ] || exit 99; exit "${FAKE_SSH_EXIT:-0}"'
}

scratch_left() { ls -A "$TMPDIR"; }

@test "passes when the manager reaches the canary over SSH through EC2 Instance Connect" {
  run bash "$SSM/smoke-path.sh"

  [ "$status" -eq 0 ]
  [ "$(last_line)" = "RESULT pass: ssh to i-0123456789abcdef0 as ubuntu" ]
  grep -q '^ssh-ed25519 ' "$BATS_TEST_TMPDIR/pushed.pub"
  grep -q "^aws ec2-instance-connect send-ssh-public-key --instance-id i-0123456789abcdef0 --instance-os-user ubuntu --ssh-public-key file://$TMPDIR/" "$CALLS"
}

@test "connects like the fleeting plugin: throwaway key, no host key prompt, bounded connect" {
  run bash "$SSM/smoke-path.sh"

  grep -q '^ssh -i .*/key .*-o BatchMode=yes -o StrictHostKeyChecking=no .*-o ConnectTimeout=10 ubuntu@10.0.1.23 docker info >/dev/null$' "$CALLS"
}

@test "removes the throwaway key afterwards" {
  run bash "$SSM/smoke-path.sh"

  [ -z "$(scratch_left)" ]
}

@test "fails without trying SSH when EC2 Instance Connect refuses the key" {
  export FAKE_AWS_EXIT=254

  run bash "$SSM/smoke-path.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: EC2 Instance Connect refused the key for ubuntu on i-0123456789abcdef0" ]
  not_called "ssh "
  [ -z "$(scratch_left)" ]
}

@test "fails when SSH or docker on the canary fails, and still removes the key" {
  export FAKE_SSH_EXIT=255

  run bash "$SSM/smoke-path.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: ssh ubuntu@10.0.1.23 or docker on it failed" ]
  [ -z "$(scratch_left)" ]
}

@test "fails when no key can be generated" {
  fake ssh-keygen 'exit 1'

  run bash "$SSM/smoke-path.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: ssh-keygen could not create a throwaway key" ]
  not_called aws
}

@test "fails with one RESULT line naming missing parameters" {
  unset CANARY_PRIVATE_IP

  run bash "$SSM/smoke-path.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: missing environment: CANARY_PRIVATE_IP" ]
}

@test "asks IMDSv2 for the Region when none is given" {
  export AWS_REGION="" FAKE_IMDS_REGION=eu-central-1

  run bash "$SSM/smoke-path.sh"

  [ "$status" -eq 0 ]
  [ "$(cat "$BATS_TEST_TMPDIR/aws-region")" = "eu-central-1 eu-central-1" ]
  [[ "$output" != *imds-session-token* ]]
}

@test "fails when no Region is given and IMDS does not answer" {
  export AWS_REGION=""

  run bash "$SSM/smoke-path.sh"

  [ "$status" -eq 1 ]
  [ "$(last_line)" = "RESULT fail: no AWS Region: pass the Region parameter or allow IMDSv2" ]
  not_called aws
}
