#!/usr/bin/env bash
# hack/encryption-config.sh FILE writes an EncryptionConfiguration for the
# apiserver's --encryption-provider-config, once: Secrets are encrypted
# with a random AES-256-GCM key named key1, and identity still reads what
# was written in plaintext before. An existing FILE is kept, or the
# Secrets encrypted under its key could no longer be read. Used by
# hack/up.sh and hack/lab/common.sh; docs/lab.md says how to rotate.
set -euo pipefail
file=$1
[ -f "$file" ] && exit 0
mkdir -p "$(dirname "$file")"
umask 077 # the key file is the key to every Secret: 0600
key=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
cat >"$file.tmp" <<YAML
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aesgcm:
      keys:
      - name: key1
        secret: $key
  - identity: {}
YAML
mv "$file.tmp" "$file"
