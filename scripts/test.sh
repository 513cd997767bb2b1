#!/usr/bin/env bash
# Runs every anchorkit test, including the differential tests against the real TLS libraries.
# Installs the Debian packages the tests need when they are missing (needs root or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in clang cmake libclang-dev libmbedtls-dev libbearssl-dev libwolfssl-dev libssl-dev openssl faketime pkg-config gnutls-bin nginx-light chromium python3-pip; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# badkeys (PyPI), the weak-key tests' reference.
if ! command -v badkeys >/dev/null 2>&1; then
  echo "== installing badkeys (pip)"
  python3 -m pip install --quiet --user --break-system-packages badkeys 2>/dev/null \
    || python3 -m pip install --quiet --user badkeys
fi
export PATH="$HOME/.local/bin:$PATH"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo doc (broken links and missing docs fail)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
echo "== cargo test"
cargo test --workspace --no-fail-fast
# A 10-second smoke of every fuzz target where cargo-fuzz and nightly exist (the proptest
# fallback ran above in any case).
if cargo +nightly fuzz --version >/dev/null 2>&1; then
  SECS=10 ./scripts/fuzz.sh
fi
