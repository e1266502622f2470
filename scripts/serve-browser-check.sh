#!/usr/bin/env bash
# phbsim serve in a real browser (headless Chromium over WebDriver, Debian's packages):
# load the page, move controls, check that the numbers drawn equal `phbsim run` of the
# same variant exactly, keep it as a variant and check the file, and report the round
# trip from input to redrawn page.
#
#   bash scripts/serve-browser-check.sh [OUT]
#
# OUT (default $CARGO_TARGET_DIR/serve-browser-check) receives screenshots of the
# page (base, what-if, a refused value) and round-trip.txt. Installs chromium and
# chromium-driver with apt-get when missing (needs root).
#
# Environment:
#   PHBSIM            phbsim binary to use [default: a release build, made with cargo
#                     in $CARGO_TARGET_DIR, so the round trip is the one users see]
#   CARGO_TARGET_DIR  cargo's target directory [default: target]
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
out="${1:-$target_dir/serve-browser-check}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    echo "== installing chromium and chromium-driver (Debian packages)"
    if [ "$(id -u)" -ne 0 ]; then
        echo "chromium or chromedriver is missing and installing needs root: apt-get install chromium chromium-driver" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

if [ -z "${PHBSIM:-}" ]; then
    echo "== building phbsim (release)"
    cargo build --release --locked --quiet
    PHBSIM="$target_dir/release/phbsim"
fi
[ -x "$PHBSIM" ] || { echo "PHBSIM=$PHBSIM is not an executable" >&2; exit 1; }

python3 scripts/serve-browser-check.py "$PHBSIM" "$out"
