#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each; SECS=10 for a smoke run).
# With cargo-fuzz and a nightly toolchain: libFuzzer on fuzz/fuzz_targets/*, seeded from
# fuzz/corpus/<target>/; a crash stops the run and names the artifact to turn into a
# regression test. Without them: the proptest fallback, with as many cases as fit the time.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${SECS:-60}"
TARGETS=(intake config tls capture scan_file events filter_csv explain verify_chain)

if cargo +nightly fuzz --version >/dev/null 2>&1; then
  for t in "${TARGETS[@]}"; do
    echo "== fuzz $t (${SECS} s)"
    mkdir -p "target/fuzz-corpus/$t"
    extra=()
    [ "$t" = intake ] && extra=(../examples/user-story ../examples/doctor)
    (cd fuzz && cargo +nightly fuzz run "$t" "../target/fuzz-corpus/$t" "corpus/$t" "${extra[@]}" -- \
      -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=10 2>&1 | tail -n 3)
  done
  echo "== every target ran ${SECS} s without a finding"
else
  echo "== cargo-fuzz or nightly missing (cargo install cargo-fuzz; rustup toolchain install nightly):"
  echo "   running the proptest fallback instead"
  cases=$(( SECS * 200 ))
  PROPTEST_CASES="$cases" cargo test --release -p anchorkit --test fuzz_fallback -- --nocapture
fi
