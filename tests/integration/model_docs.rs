//! docs/model.md's worked examples stay true. Each example scenario of docs/examples/
//! is run (plain numbers, one iteration, so the `mean` is the value); its figures are
//! checked against closed forms worked out here from the scenario's numbers, and every
//! figure the doc quotes must appear in that example's section of docs/model.md. So
//! the model, an example file and the doc cannot drift apart unnoticed.

use std::collections::HashMap;
use std::path::Path;

use crate::support::phbsim;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The text under `### {heading}` in docs/model.md, up to the next heading.
fn section(heading: &str) -> String {
    let doc = std::fs::read_to_string(root().join("docs/model.md")).expect("docs/model.md");
    let marker = format!("\n### {heading}\n");
    let at = doc
        .find(&marker)
        .unwrap_or_else(|| panic!("docs/model.md has no section `### {heading}`"));
    let body = &doc[at + marker.len()..];
    let end = ["\n### ", "\n## "]
        .iter()
        .filter_map(|h| body.find(h))
        .min()
        .unwrap_or(body.len());
    body[..end].to_string()
}

/// An amount as the doc writes it: `£1,234,567.89`, without pence when whole, and a
/// minus sign (U+2212) before the pound sign.
fn pounds(x: f64) -> String {
    let pence = (x.abs() * 100.0).round() as u64;
    let (whole, pence) = (pence / 100, pence % 100);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if x < 0.0 && (whole > 0 || pence > 0) {
        "−"
    } else {
        ""
    };
    if pence == 0 {
        format!("{sign}£{grouped}")
    } else {
        format!("{sign}£{grouped}.{pence:02}")
    }
}

#[test]
fn pounds_are_written_as_the_doc_writes_them() {
    assert_eq!(pounds(515_000.0), "£515,000");
    assert_eq!(pounds(333_333.333_333), "£333,333.33");
    assert_eq!(pounds(1_040.4), "£1,040.40");
    assert_eq!(pounds(15_499.999_999_999_998), "£15,500");
    assert_eq!(pounds(-1_007_200.0), "−£1,007,200");
    assert_eq!(pounds(999.0), "£999");
}

/// A ratio or factor as the doc writes it: at most six decimals, no trailing zeros.
fn decimal(x: f64) -> String {
    format!("{}", (x * 1e6).round() / 1e6)
}

/// Asserts that `text` is quoted in the doc's `section`.
/// A figure counts only as a whole: `£1,000` is not quoted by `£1,000,000`.
fn quoted(section: &str, heading: &str, text: &str) {
    let whole = section.match_indices(text).any(|(at, _)| {
        // `£1,000` is not quoted by `−£1,000` either.
        if text.starts_with('£') && section[..at].ends_with('−') {
            return false;
        }
        let mut after = section[at + text.len()..].chars();
        let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
        match after.next() {
            Some(',' | '.') => !digit(after.next()),
            next => !digit(next),
        }
    });
    assert!(
        whole,
        "docs/model.md, `{heading}`, does not quote `{text}`: the doc and the example have drifted apart"
    );
}

fn close(what: &str, got: f64, expected: f64) {
    assert!(
        (got - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{what}: the run gives {got}, the closed form {expected}"
    );
}

/// One iteration's outputs of an example run.
struct Run {
    /// The months, in order.
    months: Vec<String>,
    /// (entity, metric) → the monthly values in month order.
    series: HashMap<(String, String), Vec<f64>>,
    /// (entity, metric) → the whole-horizon value.
    summary: HashMap<(String, String), f64>,
    /// (entity, metric, year) → the financial-year value, when the run writes
    /// years.csv.
    years: Option<HashMap<(String, String, String), f64>>,
}

/// The fields of a CSV line of phbsim's outputs (no field of these runs is quoted).
fn fields(line: &str) -> Vec<&str> {
    assert!(!line.contains('"'), "a quoted field: {line}");
    line.split(',').collect()
}

fn number(field: &str) -> f64 {
    field
        .parse()
        .unwrap_or_else(|_| panic!("not a number: `{field}`"))
}

fn run(example: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    phbsim()
        .arg("run")
        .arg(root().join("docs/examples").join(example))
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .assert()
        .success();
    let read = |name: &str| std::fs::read_to_string(out.join(name)).expect(name);

    let mut months = Vec::new();
    let mut series: HashMap<(String, String), Vec<f64>> = HashMap::new();
    for line in read("months.csv").lines().skip(1) {
        // scenario,level,entity,month,metric,mean,...
        let f = fields(line);
        if !months.iter().any(|m| m == f[3]) {
            months.push(f[3].to_string());
        }
        series
            .entry((f[2].to_string(), f[4].to_string()))
            .or_default()
            .push(number(f[5]));
    }
    let summary = read("summary.csv")
        .lines()
        .skip(1)
        .map(|line| {
            // scenario,level,entity,metric,mean,...
            let f = fields(line);
            ((f[2].to_string(), f[3].to_string()), number(f[4]))
        })
        .collect();
    let years = out.join("years.csv").exists().then(|| {
        read("years.csv")
            .lines()
            .skip(1)
            .map(|line| {
                // scenario,level,entity,year,months,metric,mean,...
                let f = fields(line);
                (
                    (f[2].to_string(), f[5].to_string(), f[3].to_string()),
                    number(f[6]),
                )
            })
            .collect()
    });
    Run {
        months,
        series,
        summary,
        years,
    }
}

impl Run {
    fn series(&self, entity: &str, metric: &str) -> &[f64] {
        self.series
            .get(&(entity.to_string(), metric.to_string()))
            .unwrap_or_else(|| panic!("months.csv has no {entity} {metric}"))
    }

    fn summary(&self, entity: &str, metric: &str) -> f64 {
        self.summary[&(entity.to_string(), metric.to_string())]
    }

    /// The financial year's value from years.csv, checked against `expected`, when
    /// the run writes one.
    fn year(&self, entity: &str, metric: &str, year: &str, expected: f64) {
        if let Some(years) = &self.years {
            let key = (entity.to_string(), metric.to_string(), year.to_string());
            let got = *years
                .get(&key)
                .unwrap_or_else(|| panic!("years.csv has no {key:?}"));
            close(
                &format!("years.csv {entity} {metric} {year}"),
                got,
                expected,
            );
        }
    }

    /// Checks the whole series against `expected(t)` month by month.
    fn check_series(&self, entity: &str, metric: &str, expected: impl Fn(usize) -> f64) {
        let values = self.series(entity, metric);
        assert_eq!(values.len(), self.months.len());
        for (t, &got) in values.iter().enumerate() {
            let what = format!("{entity} {metric} in {}", self.months[t]);
            close(&what, got, expected(t));
        }
    }
}

/// `(1 + rate)^k(t)` for a run starting in April with April years: `k(t) = t / 12`.
fn factor(rate: f64, t: usize) -> f64 {
    (1.0 + rate).powi((t / 12) as i32)
}

/// The financial years of a 36-month run from April 2027, as month ranges.
const YEARS: [(&str, std::ops::Range<usize>); 3] =
    [("2027-28", 0..12), ("2028-29", 12..24), ("2029-30", 24..36)];

#[test]
fn the_block_review_example_is_what_a_run_gives() {
    const HEADING: &str = "A block contract re-based";
    let doc = section(HEADING);
    let quote = |x: f64| quoted(&doc, HEADING, &pounds(x));
    let run = run("block-review.toml");

    // 100 patients using 1 unit a month; 10 take a £6,000 budget in the first month.
    let (contract, unit_price, fixed, variable) = (1_200_000.0, 1_000.0, 1_080_000.0, 100.0);
    let (backfill, pass_through, cost_flex) = (0.2, 0.8, 0.25);
    let spending = 10.0 * 6_000.0 / 12.0;
    let phb_money = 0.2 * spending;
    let phb_activity = phb_money / unit_price;
    let a0 = 100.0;
    let activity = 90.0 + backfill * (a0 - 90.0 - phb_activity);
    let lost = 1.0 - activity / a0;
    let lost_capacity = 1.0 - (activity + phb_activity) / a0;
    let rebased = contract * (1.0 - pass_through * lost);
    let decided = fixed * (1.0 - cost_flex * lost_capacity);
    let admin = 0.05 * 10.0 * 6_000.0 / 12.0;

    let income = |t: usize| (if t < 12 { contract } else { rebased }) / 12.0 + phb_money;
    let costs = |t: usize| {
        (if t < 12 { fixed } else { decided }) / 12.0 + variable * (activity + phb_activity)
    };
    run.check_series("provider", "income", income);
    run.check_series("provider", "costs", costs);
    run.check_series("provider", "margin", |t| income(t) - costs(t));
    run.check_series("provider/service", "activity", |_| activity);
    run.check_series("provider/service", "fixed_cost", |t| {
        (if t < 12 { fixed } else { decided }) / 12.0
    });
    let spend = |t: usize| (if t < 12 { contract } else { rebased }) / 12.0 + spending + admin;
    run.check_series("commissioner", "spend", spend);
    run.check_series("commissioner", "additional_vs_baseline", |t| {
        spend(t) - contract / 12.0
    });
    for x in [
        income(0),
        costs(0),
        income(0) - costs(0),
        spend(0),
        spend(0) - contract / 12.0,
        rebased,
        rebased / 12.0,
        decided,
        decided / 12.0,
        income(12),
        costs(12),
        income(12) - costs(12),
        spend(12) - contract / 12.0,
    ] {
        quote(x);
    }
    quoted(&doc, HEADING, &decimal(lost));
    quoted(&doc, HEADING, &decimal(lost_capacity));

    // The trailing 12-month margin first turns negative in the month the doc names.
    let first = run
        .series("provider", "in_deficit")
        .iter()
        .position(|&flag| flag > 0.5)
        .expect("a month in deficit");
    let margin = |t: usize| income(t) - costs(t);
    let trailing = |t: usize| (t.saturating_sub(11)..=t).map(margin).sum::<f64>();
    let expected = (0..24).find(|&t| trailing(t) < 0.0).unwrap();
    assert_eq!(first, expected);
    quoted(&doc, HEADING, &format!("**{}**", run.months[first]));
}

#[test]
fn the_ward_closing_example_is_what_a_run_gives() {
    const HEADING: &str = "A ward closing";
    let doc = section(HEADING);
    let quote = |x: f64| quoted(&doc, HEADING, &pounds(x));
    let run = run("ward-closing.toml");

    // The scenario's numbers.
    let (contract, fixed, variable): (f64, f64, f64) = (4_800_000.0, 4_000_000.0, 50.0);
    let (pass_through, cost_flex, step, notice, transition): (f64, f64, f64, usize, f64) =
        (0.5, 0.5, 1_000_000.0, 6, 0.5);
    let inflation = 0.03;
    let (a0, activity) = (60.0 * 10.0 + 400.0, 400.0);
    let k = |t| factor(inflation, t);

    // The review of April 2028 (t = 12): one whole ward of the 1.2 the target asks.
    let lost = 1.0 - activity / a0;
    let rebased = contract * (1.0 - pass_through * lost);
    let target = fixed * (1.0 - cost_flex * lost);
    let steps = ((target - fixed) / step).abs();
    let whole = (steps + 1e-9).floor();
    assert_eq!(whole.to_bits(), 1f64.to_bits(), "one ward");
    let decided = fixed - whole * step;
    let effective = 12 + notice;
    // The review of April 2029 sees the same target: less than a step from the
    // decision, so nothing moves and nothing more is booked.
    assert!(((target - decided) / step).abs() < 1.0);

    let phi = |t: usize| if t < effective { fixed } else { decided };
    let booked = |t: usize| {
        if t == effective {
            transition * (fixed - decided) * k(t)
        } else {
            0.0
        }
    };
    let income = |t: usize| (if t < 12 { contract } else { rebased }) / 12.0;
    let costs = |t: usize| phi(t) * k(t) / 12.0 + variable * k(t) * activity + booked(t);
    run.check_series("trust/rehab", "fixed_cost", |t| phi(t) * k(t) / 12.0);
    run.check_series("trust", "transition_costs", booked);
    run.check_series("trust", "income", income);
    run.check_series("trust", "costs", costs);
    run.check_series("trust/rehab", "activity", |_| activity);
    assert_eq!(run.months[effective], "2028-10");
    close(
        "transition_costs",
        run.summary("trust", "transition_costs"),
        booked(effective),
    );

    quoted(&doc, HEADING, &decimal(lost));
    quoted(&doc, HEADING, &decimal(steps));
    quoted(
        &doc,
        HEADING,
        &format!(
            "in effect from | 2028-04 + {notice} months | {}",
            run.months[effective]
        ),
    );
    quoted(
        &doc,
        HEADING,
        &format!("booked in {}", run.months[effective]),
    );
    for x in [
        rebased,
        contract - rebased,
        target,
        decided,
        fixed - decided,
        booked(effective),
    ] {
        quote(x);
    }
    // The fixed_cost table, one row per change.
    for t in [0, 12, effective, 24] {
        quoted(
            &doc,
            HEADING,
            &format!(
                "| {} | {} | {} |",
                pounds(phi(t)),
                decimal(k(t)),
                pounds(phi(t) * k(t) / 12.0)
            ),
        );
    }

    // The trust by financial year, from the months and from years.csv.
    let mut reserves = 1_000_000.0;
    for (year, months) in YEARS {
        let sum = |f: &dyn Fn(usize) -> f64| months.clone().map(f).sum::<f64>();
        let (income, costs, booked) = (sum(&income), sum(&costs), sum(&booked));
        let margin = income - costs;
        reserves += margin;
        let of_run = |metric| {
            run.series("trust", metric)[months.clone()]
                .iter()
                .sum::<f64>()
        };
        close(&format!("income {year}"), of_run("income"), income);
        close(&format!("costs {year}"), of_run("costs"), costs);
        close(&format!("margin {year}"), of_run("margin"), margin);
        close(
            &format!("reserves at the end of {year}"),
            run.series("trust", "reserves")[months.end - 1],
            reserves,
        );
        run.year("trust", "income", year, income);
        run.year("trust", "costs", year, costs);
        run.year("trust", "transition_costs", year, booked);
        run.year("trust", "margin", year, margin);
        run.year("trust", "reserves_end", year, reserves);
        quoted(
            &doc,
            HEADING,
            &format!(
                "| {year} | {} | {} | {} | {} | {} |",
                pounds(income),
                pounds(costs),
                pounds(booked),
                pounds(margin),
                pounds(reserves)
            ),
        );
    }

    // Without PHBs: the same costs rising 3% a year against the same contract.
    let baseline_margin = |t: usize| contract / 12.0 - (fixed / 12.0 + variable * a0) * k(t);
    let mut baseline_total = 0.0;
    for (_, months) in YEARS {
        let year: f64 = months.map(&baseline_margin).sum();
        quote(year);
        baseline_total += year;
    }
    close(
        "baseline_margin",
        run.summary("trust", "baseline_margin"),
        baseline_total,
    );
    let margin_total: f64 = (0..36).map(|t| income(t) - costs(t)).sum();
    close("margin", run.summary("trust", "margin"), margin_total);
    quote(baseline_total);
    quote(margin_total);
}

/// The commissioner's books month by month, worked out in closed form: block
/// contracts less their share of the recovered overspend, budgets and admin when
/// `holders` hold budgets, and each April review recovering half the net overspend.
struct Books {
    /// By month: each contract's payment, the spend, and what the recovery takes.
    payments: Vec<[f64; 2]>,
    spend: Vec<f64>,
    recovered: Vec<f64>,
    /// The recovered overspend `D` after each review, start-year £ a year, and the
    /// net overspend `O` each review saw.
    recovery: Vec<f64>,
    overspend: Vec<f64>,
}

const CONTRACTS: [f64; 2] = [3_600_000.0, 2_400_000.0];
const ENVELOPE: f64 = 5_880_000.0;
const RATE: f64 = 0.02;
const RECOVER: f64 = 0.5;

fn books(holders: f64) -> Books {
    let total: f64 = CONTRACTS.iter().sum();
    let mut books = Books {
        payments: Vec::new(),
        spend: Vec::new(),
        recovered: Vec::new(),
        recovery: Vec::new(),
        overspend: Vec::new(),
    };
    let mut d = 0.0;
    for t in 0..36 {
        let p = factor(RATE, t);
        if t == 12 || t == 24 {
            let over: f64 = (t - 12..t)
                .map(|m| books.spend[m] - ENVELOPE * factor(RATE, m) / 12.0)
                .sum::<f64>()
                .max(0.0);
            d += RECOVER * over / p;
            books.overspend.push(over);
            books.recovery.push(d);
        }
        let share = |c: usize| CONTRACTS[c] / total;
        let payments = [0, 1].map(|c| (CONTRACTS[c] - d * share(c)).max(0.0) * p / 12.0);
        let recovered: f64 = [0, 1]
            .map(|c| CONTRACTS[c].min(d * share(c)) * p / 12.0)
            .iter()
            .sum();
        let budgets = holders * 12_000.0 * p / 12.0;
        let admin = 0.05 * budgets;
        books
            .spend
            .push(payments[0] + payments[1] + budgets + admin);
        books.payments.push(payments);
        books.recovered.push(recovered);
    }
    books
}

#[test]
fn the_envelope_recovery_example_is_what_a_run_gives() {
    const HEADING: &str = "An envelope recovery";
    let doc = section(HEADING);
    let quote = |x: f64| quoted(&doc, HEADING, &pounds(x));
    let run = run("envelope-recovery.toml");
    let with = books(20.0);
    let without = books(0.0);
    let envelope = |t: usize| ENVELOPE * factor(RATE, t) / 12.0;
    let over = |t: usize| (with.spend[t] - envelope(t)).max(0.0);
    let additional = |t: usize| with.spend[t] - without.spend[t];

    run.check_series("trust/community", "income", |t| with.payments[t][0]);
    run.check_series("trust/ward", "income", |t| with.payments[t][1]);
    run.check_series("commissioner", "spend", |t| with.spend[t]);
    run.check_series("commissioner", "over_envelope", over);
    run.check_series("commissioner", "recovered", |t| with.recovered[t]);
    run.check_series("commissioner", "additional_vs_baseline", additional);

    let total = |f: &dyn Fn(usize) -> f64| (0..36).map(f).sum::<f64>();
    let over_total = total(&over);
    let recovered_total = total(&|t| with.recovered[t]);
    let income = total(&|t| with.payments[t][0] + with.payments[t][1]);
    let baseline = total(&|t| without.spend[t]);
    let unsqueezed = total(&|t| CONTRACTS.iter().sum::<f64>() * factor(RATE, t) / 12.0);
    let summary = |entity, metric| run.summary(entity, metric);
    close(
        "over_envelope",
        summary("commissioner", "over_envelope"),
        over_total,
    );
    close(
        "recovered",
        summary("commissioner", "recovered"),
        recovered_total,
    );
    close("income", summary("trust", "income"), income);
    close(
        "baseline_income",
        summary("trust", "baseline_income"),
        baseline,
    );
    close(
        "margin_change",
        summary("trust", "margin_change"),
        income - baseline,
    );
    for (year, months) in YEARS {
        let sum = |f: &dyn Fn(usize) -> f64| months.clone().map(f).sum::<f64>();
        run.year("commissioner", "over_envelope", year, sum(&over));
        run.year(
            "commissioner",
            "recovered",
            year,
            sum(&|t| with.recovered[t]),
        );
        run.year("commissioner", "spend", year, sum(&|t| with.spend[t]));
        run.year(
            "commissioner",
            "additional_vs_baseline",
            year,
            sum(&additional),
        );
    }

    // The figures the doc quotes: each year's monthly figures (the tables), the
    // reviews' overspend, recovery and cuts, and the totals.
    for t in [0, 12, 24] {
        let p = factor(RATE, t);
        for x in [
            with.spend[t],
            without.spend[t],
            additional(t),
            over(t),
            with.recovered[t],
            envelope(t),
            with.payments[t][0] + with.payments[t][1],
            20.0 * 1_000.0 * p,
            0.05 * 20.0 * 1_000.0 * p,
        ] {
            quote(x);
        }
        if t > 0 {
            for (contract, paid) in CONTRACTS.iter().zip(with.payments[t]) {
                let full = contract * p / 12.0;
                quote(paid);
                quote(full);
                quote(full - paid);
            }
        }
    }
    for x in with.overspend.iter().chain(&without.overspend) {
        quote(*x);
    }
    // The counterfactual's own squeeze: over the envelope by £10,000 and then £5,200
    // a month, and the cuts that follow.
    for t in [0, 12] {
        quote(without.spend[t] - envelope(t));
    }
    quote(CONTRACTS.iter().sum::<f64>() * factor(RATE, 12) / 12.0 - without.spend[12]);
    quote(RECOVER * without.overspend[1]);
    quote(with.recovery[0]);
    quote(with.recovery[1] - with.recovery[0]);
    quote(with.recovery[1]);
    quote(12.0 * with.recovered[12]);
    quote(12.0 * with.recovered[24]);
    quote(RECOVER * with.overspend[1]);
    for x in [
        over_total,
        recovered_total,
        income,
        baseline,
        unsqueezed,
        unsqueezed - baseline,
        income - baseline,
    ] {
        quote(x);
    }
    quoted(
        &doc,
        HEADING,
        &format!("`margin_change` ({})", pounds(income - baseline)),
    );
}
