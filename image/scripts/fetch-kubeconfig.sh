#!/bin/bash
# Writes the kubeconfig SecureString parameter to the connector user's ~/.kube/config (0600).
# Runs at boot (mode `boot`) or once at bake (mode `baked`). It never prints the value: only a
# short hash, and on failure the existing file is left as it was.
set -euo pipefail
: "${KUBECONFIG_PARAMETER:?}" "${CONNECTOR_USER:?}"
imds=${IMDS_ENDPOINT:-http://169.254.169.254}
target=${KUBECONFIG_TARGET:-${ROOT:-}/home/${CONNECTOR_USER}/.kube/config}
dir=$(dirname "$target")

token=$(curl -fsS --retry 3 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$imds/latest/api/token")
region=$(curl -fsS --retry 3 -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/placement/region")

mkdir -p "$dir"
chown "$CONNECTOR_USER:" "$dir"
chmod 0700 "$dir"
# mktemp creates the file 0600 in the target's directory, so the final mv is an atomic rename.
tmp=$(mktemp "$dir/.config.XXXXXX")
trap 'rm -f "$tmp"' EXIT
if ! aws ssm get-parameter --region "$region" --name "$KUBECONFIG_PARAMETER" --with-decryption \
  --query Parameter.Value --output text >"$tmp"; then
  echo "error: could not read parameter $KUBECONFIG_PARAMETER; $target left unchanged" >&2
  exit 1
fi
if [ ! -s "$tmp" ]; then
  echo "error: parameter $KUBECONFIG_PARAMETER is empty; $target left unchanged" >&2
  exit 1
fi
chmod 0600 "$tmp"
chown "$CONNECTOR_USER:" "$tmp"
mv -f "$tmp" "$target"
trap - EXIT
echo "wrote $target from $KUBECONFIG_PARAMETER (sha256 $(sha256sum "$target" | cut -c1-12))"
