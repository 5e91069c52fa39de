#!/usr/bin/env bash
# A self-signed CA and a server certificate it signed, for development and tests:
#   scripts/dev_cert.sh DIR [HOSTNAME]
# writes DIR/ca.crt, DIR/server.crt and DIR/server.key (valid for HOSTNAME, default localhost,
# and 127.0.0.1 / ::1), so that clients can check them with sslmode=verify-full and
# sslrootcert=DIR/ca.crt. Never for production.
set -euo pipefail
dir=${1:?usage: dev_cert.sh DIR [HOSTNAME]}
name=${2:-localhost}
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=pgwire development CA" \
    -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:%s,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' "$name" > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 \
    -extfile server.ext -out server.crt 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 600 server.key ca.key
echo "$dir/server.crt $dir/server.key (CA: $dir/ca.crt)"
