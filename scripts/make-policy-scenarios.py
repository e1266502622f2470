#!/usr/bin/env python3
"""Writes scenarios/fast-rollout.toml and scenarios/cautious-notional.toml from
scenarios/example-icb.toml: the same ICB, providers, services, cohorts and budgets,
with only the policy lines changed, each marked with its policy. Run it after editing
the example, so the three files keep diffing cleanly:

    python3 scripts/make-policy-scenarios.py
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (ROOT / "scenarios/example-icb.toml").read_text()


def header(title, lines):
    body = "\n".join(f"# {l}" if l else "#" for l in lines)
    return f"# Variant of the built-in example (example-icb.toml): {title}.\n#\n{body}\n"


def strip_example_header(text):
    # Drop the example's first paragraph (what it is), keep the rest of its notes.
    first_blank = text.index("\n#\n")
    return text[first_blank + 3 :]


def cohort_blocks(text):
    """(start, end) of each [[cohorts]] block, with its id."""
    starts = [m.start() for m in re.finditer(r"^\[\[cohorts\]\]$", text, re.M)]
    ends = starts[1:] + [text.index("\n# ----", starts[-1]) if "\n# ----" in text[starts[-1]:] else len(text)]
    for start, end in zip(starts, ends):
        cid = re.search(r'^id\s*=\s*"([^"]+)"', text[start:end], re.M).group(1)
        yield cid, start, end


def set_line(block, key, value, note):
    pattern = re.compile(rf"^{key}\s*=.*$", re.M)
    line = f"{key:<11} = {value}"
    line = f"{line:<40}   # {note}" if len(line) < 40 else f"{line}   # {note}"
    if pattern.search(block):
        return pattern.sub(lambda _: line, block, count=1)
    raise ValueError(f"{key} not found")


def rewrite_cohorts(text, edits):
    out, at = [], 0
    for cid, start, end in cohort_blocks(text):
        block = text[start:end]
        for key, value, note in edits.get(cid, []):
            block = set_line(block, key, value, note)
        out.append(text[at:start])
        out.append(block)
        at = end
    out.append(text[at:])
    return "".join(out)


def without_variants(text):
    cut = text.index("# ---------------------------------------------------------------------------------------\n# Questions a review meeting asks")
    return text[:cut].rstrip() + "\n"


# ---- fast rollout -------------------------------------------------------------------
fast = without_variants(strip_example_header(EXAMPLE))
fast = fast.replace(
    'name        = "Example ICB, moderate rollout"',
    'name        = "Example ICB, fast rollout"',
)
fast = re.sub(
    r'^description = .*$',
    'description = "Example ICB with every cohort offered PHBs from 2027-04, uptake twice as fast and wider, contracts re-based from 2027-10 and nearly all lost activity passed through."',
    fast,
    count=1,
    flags=re.M,
)
fast = re.sub(
    r"^review_month = 4 .*$",
    'review_month = 10                        # fast rollout (assumption): contracts re-based each October ...\n'
    'first_review = "2027-10"                 # ... starting six months after the first offers',
    fast,
    count=1,
    flags=re.M,
)
fast = re.sub(
    r"^pass_through   = .*$",
    'pass_through   = { dist = "pert", min = 0.9, mode = 0.95, max = 1.0 }    # fast rollout (assumption): nearly all lost activity is taken out of the block',
    fast,
    flags=re.M,
)
FAST_NOTE = "fast rollout (assumption): twice the example's rates, wider ceiling"
fast = rewrite_cohorts(
    fast,
    {
        "frequent-crisis": [
            ("offer_from", '"2027-04"', "fast rollout: offered from the start"),
            ("uptake", '{ model = "bass", p = { dist = "pert", min = 0.002, mode = 0.005, max = 0.01 }, q = { dist = "pert", min = 0.03, mode = 0.06, max = 0.12 }, ceiling = { dist = "pert", min = 0.25, mode = 0.45, max = 0.65 } }', FAST_NOTE),
        ],
        "repeat-ae": [
            ("offer_from", '"2027-04"', "fast rollout: offered from the start"),
            ("uptake", '{ model = "bass", p = 0.004, q = { dist = "pert", min = 0.03, mode = 0.06, max = 0.1 }, ceiling = { dist = "pert", min = 0.20, mode = 0.35, max = 0.55 } }', FAST_NOTE),
        ],
        "recovery": [
            ("offer_from", '"2027-04"', "fast rollout: offered from the start"),
            ("uptake", '{ model = "constant", monthly = { dist = "uniform", min = 0.006, max = 0.016 }, ceiling = { dist = "pert", min = 0.25, mode = 0.45, max = 0.65 } }', FAST_NOTE),
        ],
        "young-people": [
            ("offer_from", '"2027-04"', "fast rollout: offered from the start"),
            ("uptake", '{ model = "constant", monthly = 0.012, ceiling = { dist = "triangular", min = 0.20, mode = 0.35, max = 0.55 } }', FAST_NOTE),
        ],
        "s117": [
            ("uptake", '{ model = "bass", p = 0.01, q = 0.08, ceiling = { dist = "pert", min = 0.35, mode = 0.55, max = 0.80 } }', FAST_NOTE),
        ],
    },
)
fast = header(
    "FAST ROLLOUT",
    [
        "Same ICB, providers, services, cohorts and budgets as example-icb.toml; only the policy",
        'changes, each marked "fast rollout" below:',
        "- every cohort is offered a PHB from the first month (2027-04);",
        "- uptake is twice as fast (Bass p and q, constant rates doubled) and more people are",
        "  willing (higher ceilings);",
        "- contracts are first re-based six months in (2027-10) and every October after,",
        "  instead of waiting for April 2028;",
        "- re-basing passes almost all lost activity through (pass_through 0.9 to 1).",
        "Run both with the same seed: common random numbers make the difference a policy",
        "difference, not noise. Generated from example-icb.toml by",
        "scripts/make-policy-scenarios.py: edit the example, then run the script.",
    ],
) + "#\n" + fast

# ---- cautious, notional only ----------------------------------------------------------
cautious = strip_example_header(EXAMPLE)
cautious = cautious[: cautious.index("# ---------------------------------------------------------------------------------------\n# Questions a review meeting asks")]
cautious += (
    "# ---------------------------------------------------------------------------------------\n"
    "# How much does the crisis cafe's grant re-basing matter? One variant per value.\n"
    "[[sweeps]]\n"
    'name   = "crisis-cafe pass_through"\n'
    'path   = "providers.safe-haven.services.crisis-cafe.pass_through"\n'
    "values = [0.5, 0.75, 1.0]\n"
)
cautious = cautious.replace(
    'name        = "Example ICB, moderate rollout"',
    'name        = "Example ICB, cautious notional-only rollout"',
)
cautious = re.sub(
    r'^description = .*$',
    'description = "Example ICB offering notional budgets only, from 2028-04 or later (s117 from the start), with slow constant uptake and lower ceilings."',
    cautious,
    count=1,
    flags=re.M,
)
cautious = cautious.replace(
    "[budget_forms.direct_payment]\n",
    "[budget_forms.direct_payment]                                         # unused here: no cohort takes direct payments\n",
).replace(
    "[budget_forms.third_party]\n",
    "[budget_forms.third_party]                                            # unused here: no cohort takes third-party budgets\n",
)
NOTIONAL = ("forms", "{ notional = 1.0 }", "cautious: notional only (nationally 80% are notional, NHS Digital PHB data Q4 2023-24)")
SLOW = "cautious (assumption): slower than the example, no word-of-mouth acceleration"
cautious = rewrite_cohorts(
    cautious,
    {
        "frequent-crisis": [
            ("offer_from", '"2028-04"', "cautious: nine months later"),
            ("uptake", '{ model = "constant", monthly = 0.003, ceiling = { dist = "pert", min = 0.05, mode = 0.15, max = 0.25 } }', SLOW),
            NOTIONAL,
        ],
        "repeat-ae": [
            ("offer_from", '"2028-10"', "cautious: a year later"),
            ("uptake", '{ model = "constant", monthly = 0.003, ceiling = { dist = "pert", min = 0.05, mode = 0.12, max = 0.20 } }', SLOW),
            NOTIONAL,
        ],
        "recovery": [
            ("offer_from", '"2028-04"', "cautious: nine months later"),
            ("uptake", '{ model = "constant", monthly = { dist = "uniform", min = 0.002, max = 0.005 }, ceiling = { dist = "pert", min = 0.05, mode = 0.15, max = 0.30 } }', SLOW),
            NOTIONAL,
        ],
        "young-people": [
            ("offer_from", '"2028-10"', "cautious: a year later"),
            ("uptake", '{ model = "constant", monthly = 0.003, ceiling = { dist = "triangular", min = 0.05, mode = 0.12, max = 0.20 } }', SLOW),
            NOTIONAL,
        ],
        "s117": [
            ("uptake", '{ model = "constant", monthly = 0.004, ceiling = { dist = "pert", min = 0.10, mode = 0.25, max = 0.40 } }', SLOW),
            NOTIONAL,
        ],
    },
)
cautious = header(
    "CAUTIOUS, NOTIONAL BUDGETS ONLY",
    [
        "Same ICB, providers, services, cohorts and budgets as example-icb.toml; only the policy",
        'changes, each marked "cautious" below:',
        "- every cohort gets notional budgets only (forms = { notional = 1.0 }): the ICB holds",
        "  the money, so more of it is spent back at existing services;",
        "- offers start later (2028-04 or 2028-10; s117 keeps its start, as it is a legal right);",
        "- every cohort has a constant, slower uptake than the example (no word-of-mouth",
        "  Bass acceleration) and fewer people are willing (lower ceilings).",
        "The direct-payment and third-party tables are kept, unchanged, so this file diffs",
        "cleanly against the example; no cohort uses them here. Generated from",
        "example-icb.toml by scripts/make-policy-scenarios.py: edit the example, then run",
        "the script.",
    ],
) + "#\n" + cautious

(ROOT / "scenarios/fast-rollout.toml").write_text(fast)
(ROOT / "scenarios/cautious-notional.toml").write_text(cautious)
