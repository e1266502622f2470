#!/usr/bin/env python3
"""Variance reduction from common random numbers, read from a phbsim output directory.

For each variant, provider and metric: the sd of the paired difference (compare.csv)
against the sd of the difference of two independent runs, sqrt(sd_base^2 + sd_variant^2)
(summary.csv), and their squared ratio, the variance reduction factor.

Usage: python3 scripts/crn-variance.py out/example-icb
"""
import csv
import math
import signal
import sys

signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head

out = sys.argv[1] if len(sys.argv) > 1 else "out/example-icb"
summary = {(r["scenario"], r["entity"], r["metric"]): r for r in csv.DictReader(open(f"{out}/summary.csv"))}
for row in csv.DictReader(open(f"{out}/compare.csv")):
    if row["level"] != "provider" or row["metric"] not in ("income", "margin", "min_reserves"):
        continue
    sd_base = float(summary[(row["base"], row["entity"], row["metric"])]["sd"])
    sd_variant = float(summary[(row["scenario"], row["entity"], row["metric"])]["sd"])
    independent = math.hypot(sd_base, sd_variant)
    paired = float(row["sd"])
    factor = (independent / paired) ** 2 if paired > 0 else float("inf")
    print(f"{row['scenario'][:36]:36} {row['entity']:17} {row['metric']:13} "
          f"paired sd {paired:12.0f}  independent sd {independent:12.0f}  variance reduction x{factor:.1f}")
