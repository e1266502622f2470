//! Numbers for people, written one way everywhere: the terminal tables, the reports
//! and the messages. (The CSV files write numbers for machines: see
//! `output::tables::format_number`.)

/// Money at a glance: `£12.3m`, `£450k`, `£900`, `£1.25bn`.
pub fn money(value: f64) -> String {
    let sign = if value < 0.0 { "-" } else { "" };
    let v = value.abs();
    if v >= 1e9 {
        format!("{sign}£{:.2}bn", v / 1e9)
    } else if v >= 1e6 {
        format!("{sign}£{:.1}m", v / 1e6)
    } else if v >= 1e3 {
        format!("{sign}£{:.0}k", v / 1e3)
    } else {
        format!("{sign}£{v:.0}")
    }
}

/// A change of money, signed: `+£1.2m`, `-£450k`, and `£0` for anything that rounds
/// to nothing (never `+£0` or `-£0`).
pub fn signed_money(value: f64) -> String {
    match money(value).as_str() {
        "£0" | "-£0" => "£0".to_string(),
        text if value > 0.0 => format!("+{text}"),
        text => text.to_string(),
    }
}

/// A probability as a percentage with one decimal: `12.5%`.
pub fn percent(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

/// A signed change already in per cent, with one decimal: `+4.2%`, `-0.7%`, and
/// `0.0%` for anything that rounds to nothing (never `+0.0%` or `-0.0%`).
pub fn signed_percent(value: f64) -> String {
    let text = format!("{value:+.1}%");
    match text.as_str() {
        "+0.0%" | "-0.0%" => "0.0%".to_string(),
        _ => text,
    }
}

/// A whole number with thousands separators: `12,000`.
pub fn thousands(n: u64) -> String {
    group_thousands(&n.to_string())
}

/// Whole pounds with separators, for a figure someone will type: `£17,500`.
pub fn pounds(value: f64) -> String {
    format!("£{}", thousands(value.round().max(0.0) as u64))
}

/// `6511020.5` → `6,511,020.5`: commas between groups of three integer digits of a
/// number already written without a sign.
pub fn group_thousands(number: &str) -> String {
    let (whole, fraction) = number
        .split_once('.')
        .map_or((number, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{grouped}.{fraction}"),
        None => grouped,
    }
}

/// The divisor and suffix that write `value` shortly: `bn`, `m`, or `k` from 10,000
/// (a parameter of `2200` reads better whole than as `2.2k`).
fn short_scale(value: f64) -> (f64, i32, &'static str) {
    let a = value.abs();
    if a >= 1e9 {
        (1e9, 9, "bn")
    } else if a >= 1e6 {
        (1e6, 6, "m")
    } else if a >= 1e4 {
        (1e3, 3, "k")
    } else {
        (1.0, 0, "")
    }
}

/// A parameter value at a glance: about four significant figures, `k` / `m` / `bn`
/// for large ones (`169m`, `2200`, `0.15`).
pub fn short(value: f64) -> String {
    let (divisor, _, suffix) = short_scale(value);
    let scaled = value / divisor;
    if scaled == 0.0 {
        return "0".to_string();
    }
    let digits = (3 - scaled.abs().log10().floor() as i32).clamp(0, 8) as usize;
    let mut text = format!("{scaled:.digits$}");
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    text + suffix
}

/// `value` to the precision of `step` (e.g. a search tolerance): as many decimals as
/// make the last digit no coarser than `step`, with the `k` / `m` / `bn` of
/// [`short`] for large values (`171.5m` to a step of 343k, `0.355` to 0.001).
pub fn to_precision(value: f64, step: f64) -> String {
    let (divisor, exponent, suffix) = short_scale(value);
    let scaled = value / divisor;
    let needed = if step > 0.0 {
        (-step.log10()).ceil() as i32
    } else {
        12
    };
    let decimals = (needed + exponent).clamp(0, 12) as usize;
    format!("{scaled:.decimals$}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_at_a_glance() {
        assert_eq!(money(12_345_678.0), "£12.3m");
        assert_eq!(money(450_000.0), "£450k");
        assert_eq!(money(-900.0), "-£900");
        assert_eq!(money(1.25e9), "£1.25bn");
        assert_eq!(money(-450_000.0), "-£450k");
        assert_eq!(money(999.0), "£999");
        assert_eq!(money(2.5e9), "£2.50bn");
    }

    #[test]
    fn signed_money_shows_the_direction_and_no_signed_zero() {
        assert_eq!(signed_money(1_200_000.0), "+£1.2m");
        assert_eq!(signed_money(-450_000.0), "-£450k");
        assert_eq!(signed_money(0.3), "£0");
        assert_eq!(signed_money(-0.3), "£0");
        assert_eq!(signed_money(1_250_000.0), "+£1.2m");
        assert_eq!(signed_money(0.0), "£0");
        assert_eq!(signed_money(-0.2), "£0");
    }

    #[test]
    fn signed_percent_shows_the_direction_and_no_signed_zero() {
        assert_eq!(signed_percent(4.23), "+4.2%");
        assert_eq!(signed_percent(-0.7), "-0.7%");
        assert_eq!(signed_percent(0.04), "0.0%");
        assert_eq!(signed_percent(-0.04), "0.0%");
        assert_eq!(signed_percent(-0.0), "0.0%");
        assert_eq!(signed_percent(0.0), "0.0%");
        assert_eq!(signed_percent(0.06), "+0.1%");
        assert_eq!(signed_percent(-12.0), "-12.0%");
    }

    #[test]
    fn percentages_and_thousands() {
        assert_eq!(percent(0.125), "12.5%");
        assert_eq!(thousands(12_000), "12,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(pounds(17_499.6), "£17,500");
        assert_eq!(group_thousands("6511020.5"), "6,511,020.5");
    }

    #[test]
    fn short_values_keep_four_figures() {
        assert_eq!(short(169_000_000.0), "169m");
        assert_eq!(short(8_360_000.0), "8.36m");
        assert_eq!(short(2_200.0), "2200");
        assert_eq!(short(15_500.0), "15.5k");
        assert_eq!(short(0.15), "0.15");
        assert_eq!(short(0.012_345), "0.01235");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(-463.26), "-463.3");
    }

    #[test]
    fn precision_follows_the_step() {
        assert_eq!(to_precision(171_527_053.0, 343_000.0), "171.5m");
        assert_eq!(to_precision(0.354_87, 0.001), "0.355");
        assert_eq!(to_precision(27.823, 0.05), "27.82");
        assert_eq!(to_precision(12_345.0, 1.0), "12.345k");
        assert_eq!(to_precision(0.5, 0.0), "0.500000000000");
    }
}
