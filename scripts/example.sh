#!/usr/bin/env bash
# The main job on the bundled examples:
# 1. the user story (examples/user-story/): what the developer pasted, what the log means, and
#    doctor with only the served leaf (completed from the compiled-in known intermediate R3,
#    so the fix to trust ISRG Root X1 is verified);
# 2. a sketch and a serial-monitor log, nothing else (examples/sketch/).
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
"$bin" explain --log examples/sketch/monitor.txt
"$bin" doctor --trust examples/sketch/weather.ino --host api.example.com --ca letsencrypt \
  --profile arduino-esp32-2 --at 2024-06-10 --log examples/sketch/monitor.txt || test $? -eq 1
