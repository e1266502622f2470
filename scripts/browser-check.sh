#!/usr/bin/env bash
# Renders the example's report.html in a real browser (headless Chromium, Debian's
# package) and fails on a blank page, missing sections or console messages.
#
#   bash scripts/browser-check.sh [OUT]
#
# OUT (default $CARGO_TARGET_DIR/browser-check, i.e. target/browser-check) receives
# report.html, a 1280x2000 screenshot (report.png), the page printed to A4
# (report.pdf), the DOM as rendered and Chromium's log. Installs Chromium with
# apt-get when it is missing (needs root).
#
# Environment:
#   PHBSIM            phbsim binary to use [default: a debug build, made with cargo
#                     in $CARGO_TARGET_DIR]
#   CARGO_TARGET_DIR  cargo's target directory [default: target]
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
out="${1:-$target_dir/browser-check}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

if ! command -v chromium >/dev/null 2>&1; then
    echo "== installing chromium (Debian package)"
    if [ "$(id -u)" -ne 0 ]; then
        echo "chromium is missing and installing it needs root: apt-get install chromium" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [ -z "${PHBSIM:-}" ]; then
    echo "== building phbsim"
    cargo build --locked --quiet
    PHBSIM="$target_dir/debug/phbsim"
fi
[ -x "$PHBSIM" ] || { echo "PHBSIM=$PHBSIM is not an executable" >&2; exit 1; }
echo "== running the example with $PHBSIM"
run_dir="$(mktemp -d)"
profile="$(mktemp -d)"
trap 'rm -rf "$run_dir" "$profile"' EXIT
"$PHBSIM" run -o "$run_dir/example" -q
cp "$run_dir/example/report.html" "$out/report.html"
page="file://$out/report.html"

# No network, no background services: nothing the page could fetch would load, and
# Chromium stays quiet on a closed machine.
chrome=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync
    --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$profile"
    --enable-logging=stderr --v=0)

echo "== rendering $page"
"${chrome[@]}" --window-size=1280,2000 --screenshot="$out/report.png" "$page" \
    >/dev/null 2>"$out/screenshot.log"
"${chrome[@]}" --dump-dom "$page" >"$out/dom.html" 2>"$out/dom.log"
"${chrome[@]}" --no-pdf-header-footer --print-to-pdf="$out/report.pdf" "$page" \
    >/dev/null 2>"$out/pdf.log"

failed=0
fail() {
    echo "FAIL: $*" >&2
    failed=1
}

# Console messages: the page has no scripts, so any message (an error, a blocked
# resource, a CSP report) is a fault.
if grep -h -E ':CONSOLE|Uncaught' "$out"/*.log; then
    fail "the browser console reported the lines above"
fi

# The rendered DOM holds every section and chart.
for id in run headline providers deficit services cohorts commissioner notes; do
    grep -q "id=\"$id\"" "$out/dom.html" || fail "section #$id missing from the rendered page"
done
svgs=$(grep -o '<svg' "$out/dom.html" | wc -l)
[ "$svgs" -ge 10 ] || fail "only $svgs charts in the rendered page"
if grep -q '<script' "$out/dom.html"; then fail "the rendered page has a script"; fi

# Not blank: decode the screenshot and count what is not background.
python3 - "$out/report.png" <<'PY' || fail "the screenshot looks blank"
import struct, sys, zlib

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height, channels = 8, b"", 0, 0, 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        assert depth == 8, "unexpected bit depth"
        channels = {2: 3, 6: 4}[colour]
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * channels
previous = bytearray(stride)
colours, ink = set(), 0
for row in range(height):
    start = row * (stride + 1)
    kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
    for i in range(stride):
        a = line[i - channels] if i >= channels else 0
        b = previous[i]
        c = previous[i - channels] if i >= channels else 0
        if kind == 1:
            line[i] = (line[i] + a) & 255
        elif kind == 2:
            line[i] = (line[i] + b) & 255
        elif kind == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    previous = line
    if row % 4 == 0:
        for x in range(0, width, 4):
            pixel = tuple(line[x * channels:x * channels + 3])
            colours.add(pixel)
            ink += pixel != (255, 255, 255)
sampled = (height // 4 + 1) * (width // 4 + (width % 4 > 0))
share = ink / sampled
print(f"screenshot {width}x{height}: {len(colours)} colours, {share:.1%} of sampled pixels not white")
assert len(colours) >= 50 and share >= 0.05
PY

pages=$(grep -a -c '/Type /Page\b' "$out/report.pdf" || true)
pages=${pages:-0}
echo "printed to A4: $pages page(s)"
[ "$pages" -ge 2 ] || fail "printing gave $pages page(s)"

if [ "$failed" -ne 0 ]; then
    echo "browser check failed; see $out" >&2
    exit 1
fi
echo "browser check passed: $out/report.png ($(wc -c <"$out/report.html") bytes of HTML)"
