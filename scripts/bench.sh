#!/usr/bin/env bash
# Every benchmark in one run, as one table: each row with its peer from the same run and the
# ratio, and the peak memory (max RSS) of the benchmark process. Peers: rustls-webpki and the
# real Mbed TLS 3.6 (verification), ESP-IDF's gen_crt_bundle.py (whole-store bundle; set
# ESP_IDF_PATH to an ESP-IDF checkout, else that ratio is left out), testssl.sh (enumeration).
# Needs: /usr/bin/time (Debian `time`), testssl.sh, python3 with cryptography for the
# generator. Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
peak() { /usr/bin/time -f "%M" -o "$out/$1.rss" "${@:2}" > "$out/$1.txt" 2>&1 || true; }
# The benchmark executable itself (not cargo, whose peak is the compiler's): built first,
# then run under time.
bench() {
  local tag=$1 pkg=$2 name=$3 exe
  exe=$(cargo bench -q -p "$pkg" --bench "$name" --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
  # Criterion and the plain benches read their working directory as cargo sets it.
  (cd "crates/$pkg" && peak "$tag" "$exe" --bench)
}
mb() { awk '{printf "%.0f MB", $1/1024}' "$out/$1.rss" 2>/dev/null || echo "?"; }

cargo build --release -q -p anchorkit-cli
bench verify anchorkit-difftest verify
bench bundle anchorkit bundle
bench probe anchorkit-difftest probe
bench plan anchorkit plan

# Whole-store bundle: anchorkit against ESP-IDF's own generator on the same cacrt_all.pem.
store=../shared/data/esp-idf/cacrt_all.pem
ak_ms=$( { /usr/bin/time -f "%e %M" ./target/release/anchorkit bundle --from-store "$store" \
  --format esp-bundle-legacy -o "$out/ak.bin" > /dev/null; } 2>&1 | tail -1)
gen=""
if [ -n "${ESP_IDF_PATH:-}" ] && [ -f "$ESP_IDF_PATH/components/mbedtls/esp_crt_bundle/gen_crt_bundle.py" ]; then
  gen=$( { cd "$out" && /usr/bin/time -f "%e %M" python3 \
    "$ESP_IDF_PATH/components/mbedtls/esp_crt_bundle/gen_crt_bundle.py" --input "$OLDPWD/$store" \
    > /dev/null; } 2>&1 | tail -1)
fi

echo
echo "| benchmark | anchorkit | peer (same run) | ratio | peak memory |"
echo "| --- | --- | --- | --- | --- |"
grep -h "anchorkit/webpki" "$out/verify.txt" | while read -r line; do
  name=${line%%:*}
  ak=$(sed -E 's/.*anchorkit ([0-9.]+) µs \(cold caches ([0-9.]+) µs\).*/\1 µs (cold \2 µs)/' <<<"$line")
  peers=$(sed -E 's/.*rustls-webpki ([0-9.]+) µs, real Mbed TLS 3.6 ([0-9.]+) µs.*/webpki \1 µs; Mbed TLS \2 µs/' <<<"$line")
  ratio=$(sed -E 's/.*; (anchorkit\/webpki .*)$/\1/' <<<"$line")
  echo "| verify $name | $ak | $peers | $ratio | $(mb verify) |"
done
read -r ak_s ak_kb <<<"$ak_ms"
if [ -n "$gen" ]; then
  read -r gen_s gen_kb <<<"$gen"
  ratio=$(awk -v a="$ak_s" -v g="$gen_s" 'BEGIN{ if (a>0) printf "%.0fx faster", g/a; else print "-" }')
  echo "| whole-store bundle (cacrt_all.pem) | ${ak_s} s | gen_crt_bundle.py ${gen_s} s | $ratio | $((ak_kb/1024)) MB vs $((gen_kb/1024)) MB |"
else
  echo "| whole-store bundle (cacrt_all.pem) | ${ak_s} s | gen_crt_bundle.py: set ESP_IDF_PATH | - | $((ak_kb/1024)) MB |"
fi
grep -h -A2 "plan/50-endpoints" "$out/bundle.txt" | grep -m1 "time:" | sed -E 's/.*time: +\[[^ ]+ [^ ]+ ([0-9.]+ [^ ]+).*/\1/' \
  | while read -r t; do echo "| optimizer, 50 endpoints (exact) | $t | - | - | $(mb bundle) |"; done
en=$(grep -h "enumeration, anchorkit" "$out/probe.txt" | sed -E 's/enumeration, anchorkit: ([0-9.]+ ms), ([0-9]+ hellos).*/\1 (\2)/')
ts=$(grep -h "testssl.sh -p" "$out/probe.txt" | sed -E 's/.*: ([0-9.]+ s); anchorkit is ([0-9]+x) faster/\1|\2 faster/')
echo "| probe enumeration (local s_server) | $en | testssl.sh ${ts%%|*} | ${ts##*|} | $(mb probe) |"
grep -h "^capture, " "$out/probe.txt" | while read -r line; do
  echo "| probe ${line%%:*} (anchorkit probe --targets) | ${line#*: } | - | - | (in line) |"
done
grep -h "^plan:" "$out/plan.txt" | while read -r line; do
  echo "| plan | ${line#plan: } | - | - | $(mb plan) |"
done
rm -rf "$out"
