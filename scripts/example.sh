#!/usr/bin/env bash
# The main job on the bundled example: the user story from examples/user-story/.
# Builds anchorkit (release) and runs doctor on the developer's cert_pem configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p anchorkit-cli
bin=target/release/anchorkit
set -x
"$bin" inspect examples/user-story/cert_pem.c --at 2022-04-06T00:00:00Z
"$bin" explain "E (3515) esp-tls-mbedtls: mbedtls_ssl_handshake returned -0x2700"
"$bin" doctor --trust examples/user-story/cert_pem.c --chain examples/user-story/served-leaf.pem \
  --profile esp-idf-4.4 --host optimized.realyze.com --at 2022-04-06T00:00:00Z \
  --log "E (3515) esp-tls-mbedtls: mbedtls_ssl_handshake returned -0x2700" || test $? -eq 1
