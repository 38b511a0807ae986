#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Canary smoke test ON the fleet's manager: the path the runner really uses to reach a job
# instance. Like fleeting-plugin-aws with EC2 Instance Connect: push a throwaway public key for the
# connector user (valid 60 s), then SSH to the canary's private address and ask docker. The key
# pair lives in a scratch directory removed however the script ends.
set -euo pipefail
[ "$(type -t check)" = function ] || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_env CANARY_INSTANCE_ID CANARY_PRIVATE_IP CONNECTOR_USER
SSH_CONNECT_TIMEOUT_SECONDS=${SSH_CONNECT_TIMEOUT_SECONDS:-10}
ensure_region

work=$(mktemp -d)
remove_on_exit "$work"
ssh-keygen -q -t "${SSH_KEY_TYPE:-ed25519}" -N '' -C runner-autopilot-smoke -f "$work/key" </dev/null >/dev/null ||
  fail "ssh-keygen could not create a throwaway key"

aws ec2-instance-connect send-ssh-public-key \
  --instance-id "$CANARY_INSTANCE_ID" \
  --instance-os-user "$CONNECTOR_USER" \
  --ssh-public-key "file://$work/key.pub" >/dev/null ||
  fail "EC2 Instance Connect refused the key for $CONNECTOR_USER on $CANARY_INSTANCE_ID"
log "ok: public key sent to $CANARY_INSTANCE_ID for $CONNECTOR_USER"

# The remote command proves both the login and docker access (the docker-autoscaler executor
# tunnels docker over this connection).
ssh -i "$work/key" \
  -o IdentitiesOnly=yes -o BatchMode=yes \
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
  -o ConnectTimeout="$SSH_CONNECT_TIMEOUT_SECONDS" \
  "$CONNECTOR_USER@$CANARY_PRIVATE_IP" 'docker info >/dev/null' </dev/null ||
  fail "ssh $CONNECTOR_USER@$CANARY_PRIVATE_IP or docker on it failed"
log "ok: ssh $CONNECTOR_USER@$CANARY_PRIVATE_IP and docker answer"

pass "ssh to $CANARY_INSTANCE_ID as $CONNECTOR_USER"
