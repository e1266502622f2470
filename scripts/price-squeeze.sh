#!/bin/bash
# How much of each provider's chance of distress is PHBs, and how much a price
# squeeze that exists without them: runs the built-in example's base scenario (its
# variants left out) under three price assumptions and prints, per provider, the
# chance of distress with PHBs and without.
#
#   constant  every [prices] rate 0
#   cash      as shipped: prices, costs and budgets +2.83% a year
#   squeeze   costs +2.83% to +4.83% a year (uniform), prices +2.83%
#
# Usage: scripts/price-squeeze.sh [PHBSIM]   (default: target/release/phbsim)
set -euo pipefail
cd "$(dirname "$0")/.."
phbsim=${1:-target/release/phbsim}
[ -x "$phbsim" ] || cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
text = open("scenarios/example-icb.toml").read()
base = text[: text.index("[[variants]]")]
def swap(text, key, value):
    lines = [l for l in text.splitlines() if l.startswith(key + " ")]
    assert len(lines) == 1, key
    return text.replace(lines[0], f"{key} = {value}")
constant = base
for key in ["tariff_uplift", "cost_inflation", "budget_uplift"]:
    constant = swap(constant, key, "0")
squeeze = swap(base, "cost_inflation", '{ dist = "uniform", min = 0.0283, max = 0.0483 }')
for name, scenario in [("constant", constant), ("cash", base), ("squeeze", squeeze)]:
    open(f"{work}/{name}.toml", "w").write(scenario)
PY
for prices in constant cash squeeze; do
  "$phbsim" run "$work/$prices.toml" -o "$work/out-$prices" --force -q
done
python3 - "$work" <<'PY'
import csv, sys
work = sys.argv[1]
print(f"{'provider':<18} {'prices':<9} {'with PHBs':>10} {'without':>8} {'PHBs add':>10}")
for prices in ["constant", "cash", "squeeze"]:
    rows = list(csv.DictReader(open(f"{work}/out-{prices}/summary.csv")))
    mean = lambda p, m: next(float(r["mean"]) for r in rows if r["entity"] == p and r["metric"] == m)
    for p in sorted({r["entity"] for r in rows if r["level"] == "provider"}, key=lambda p: p != "trust"):
        d, b = mean(p, "distressed"), mean(p, "distressed_baseline")
        print(f"{p:<18} {prices:<9} {d:>10.1%} {b:>8.1%} {100 * (d - b):>+8.1f} pts")
PY
