#!/bin/bash
# Reading the instance's own tags at boot, shared by the boot units of the manager image.
# Tags come from IMDSv2 (the launch template needs InstanceMetadataTags=enabled), else from
# `aws ec2 describe-tags` (the instance role needs ec2:DescribeTags).
#
# Needs: $imds (base URL), $work (a private temporary directory). Sets $token with imds_session.
# shellcheck disable=SC2154 # $imds and $work are set by the script that sources this file

# imds_session: an IMDSv2 session token in $token; fails when IMDS does not answer.
imds_session() {
  token=$(curl -fsS --retry 3 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$imds/latest/api/token")
}

# imds PATH: the body on stdout and status 0 on HTTP 200; status 4 on a 404; 1 on anything else.
imds() {
  local code
  code=$(curl -sS --retry 3 -o "$work/body" -w '%{http_code}' -H "X-aws-ec2-metadata-token: $token" \
    "$imds/latest/meta-data/$1") || return 1
  case "$code" in 200) cat "$work/body" ;; 404) return 4 ;; *) return 1 ;; esac
}

# tag KEY: the instance's tag value, empty when it has no such tag; fails when tags cannot be read.
tag() {
  local status=0 value instance
  imds tags/instance >/dev/null || status=$?
  if [ "$status" -eq 0 ]; then
    value=$(imds "tags/instance/$1") || { [ $? -eq 4 ] && value="" || return 1; }
  else
    instance=$(imds instance-id) || return 1
    value=$(aws ec2 describe-tags --filters "Name=resource-id,Values=$instance" "Name=key,Values=$1" \
      --query 'Tags[0].Value' --output text) || return 1
    [ "$value" != None ] || value=""
  fi
  printf '%s' "$value"
}
