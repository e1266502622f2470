//! The parts of the report that `phbsim serve` redraws after each what-if: the
//! headlines and provider table, the variant table and overlaid medians, and the
//! providers' fan charts. The same functions draw them as draw `report.html`, so the
//! live page and a downloaded report never disagree.

use super::data::OutputData;
use super::{STYLE, sections, summary, variants};

/// The report's sections, as HTML fragments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveParts {
    /// Key figures and the provider table.
    pub headline: String,
    /// "Variants against the base"; empty without a variant.
    pub variants: String,
    /// Monthly income and reserves per provider.
    pub providers: String,
}

/// The report's stylesheet, which the live page shares.
pub fn stylesheet() -> &'static str {
    STYLE
}

/// Draws the parts of `data` (a base and at most one variant, the what-if). With a
/// what-if, the headlines and fan charts are the what-if's (the world the meeting is
/// asking about) and the variant table sets it against the base; without one, all
/// three are the base's.
pub fn parts(mut data: OutputData) -> LiveParts {
    let variants = variants::section(&data).into_string();
    if data.runs.len() > 1 {
        // Every section but the variant table draws `runs[0]`: put the what-if there.
        data.runs.swap(0, 1);
    }
    LiveParts {
        headline: summary::headline(&data).into_string(),
        variants,
        providers: sections::provider_charts(&data).into_string(),
    }
}
