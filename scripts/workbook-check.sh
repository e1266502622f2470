#!/usr/bin/env bash
# Opens the example's results.xlsx in a real spreadsheet (LibreOffice Calc, headless,
# Debian's package), prints it to PDF and each page to PNG, and fails on a conversion
# error, a sheet missing from the print, or an empty page.
#
#   bash scripts/workbook-check.sh [OUT]
#
# OUT (default $CARGO_TARGET_DIR/workbook-check, i.e. target/workbook-check) receives
# results.xlsx, results.pdf, one PNG per page (page-NN.png) and LibreOffice's log.
# Installs libreoffice-calc and poppler-utils with apt-get when missing (needs root).
#
# Environment:
#   PHBSIM            phbsim binary to use [default: a debug build, made with cargo
#                     in $CARGO_TARGET_DIR]
#   CARGO_TARGET_DIR  cargo's target directory [default: target]
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
out="${1:-$target_dir/workbook-check}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "== installing ${missing[*]} (Debian packages)"
    if [ "$(id -u)" -ne 0 ]; then
        echo "${missing[*]} missing and installing needs root: apt-get install ${missing[*]}" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
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
cp "$run_dir/example/results.xlsx" "$out/results.xlsx"
rm -f "$out"/results.pdf "$out"/results.txt "$out"/page-*.png "$out"/page-*.ppm

echo "== printing results.xlsx to PDF with LibreOffice Calc"
# A profile of its own: no first-run dialogs, no clash with a LibreOffice in use.
if ! timeout 300 soffice --headless --norestore "-env:UserInstallation=file://$profile" \
    --convert-to pdf --outdir "$out" "$out/results.xlsx" >"$out/libreoffice.log" 2>&1; then
    cat "$out/libreoffice.log" >&2
    echo "FAIL: LibreOffice could not convert results.xlsx" >&2
    exit 1
fi
if [ ! -s "$out/results.pdf" ]; then
    cat "$out/libreoffice.log" >&2
    echo "FAIL: LibreOffice wrote no PDF" >&2
    exit 1
fi

failed=0
fail() {
    echo "FAIL: $*" >&2
    failed=1
}

pages=$(pdfinfo "$out/results.pdf" | awk '/^Pages:/ {print $2}')
echo "printed: $pages page(s)"

# Every sheet is printed: each page's footer names its sheet.
pdftotext -layout "$out/results.pdf" "$out/results.txt"
text="$(cat "$out/results.txt")"
for sheet in "Read me" Assumptions Providers "Financial years" Monthly Variants Services \
    Cohorts "Chart data"; do
    grep -q "^ *$sheet  .*Page [0-9]* of" <<<"$text" || fail "sheet \"$sheet\" is not in the print"
done
# What a reader looks for first is there as text.
for words in "phbsim results" "Providers by chance of distress" "Reserve floor" "Median"; do
    grep -q "$words" <<<"$text" || fail "\"$words\" is not in the print"
done

# Each page to an image (PPM: a header, then three bytes a pixel) to measure, and to
# PNG to look at. A page all but white is empty; a Monthly page without the fans'
# blues has lost its charts.
pdftoppm -r 40 "$out/results.pdf" "$out/page"
pdftoppm -r 60 -png "$out/results.pdf" "$out/page"
python3 - "$out" <<'PY' || fail "see the pages above"
import pathlib, sys

out = pathlib.Path(sys.argv[1])
texts = (out / "results.txt").read_text().split("\f")
faults = []
for i, path in enumerate(sorted(out.glob("page-*.ppm"))):
    data = path.read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    assert fields[0] == b"P6", f"{path}: not a PPM"
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:pos + 1 + 3 * width * height]
    count = width * height
    ink = blue = 0
    for k in range(0, len(pixels), 3):
        r, g, b = pixels[k], pixels[k + 1], pixels[k + 2]
        ink += min(r, g, b) < 200
        blue += b - r > 60
    sheet = texts[i].strip().splitlines()[-1].split("  ")[0].strip() if texts[i].strip() else ""
    print(f"{path.stem} ({sheet or 'no text'}): {ink / count:.2%} inked, {blue / count:.2%} blue")
    # The footer alone inks about 0.1% of a page; a table or a chart, more.
    if ink / count < 0.004:
        faults.append(f"{path.stem} is empty")
    if sheet == "Monthly" and i == texts.index(next(t for t in texts if "Monthly  " in t)) \
            and blue / count < 0.005:
        faults.append(f"{path.stem}, the first Monthly page, has no chart")
for fault in faults:
    print("FAIL:", fault, file=sys.stderr)
sys.exit(1 if faults else 0)
PY
rm -f "$out"/page-*.ppm

if [ "$failed" -ne 0 ]; then
    echo "workbook check failed; see $out" >&2
    exit 1
fi
echo "workbook check passed: $out ($pages pages, $(wc -c <"$out/results.xlsx") bytes of xlsx)"
