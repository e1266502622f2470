//! What every sheet shares: the number formats (`£#,##0`, `0.0%`, ...), the title,
//! note and header styles, how a table's header row is written and frozen, and the
//! page set-up (A4 landscape, one page wide, header rows repeated on every page).

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

/// How a number is shown. The cell holds the value itself; only its display differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shown {
    /// Whole pounds: `£1,234,567`.
    Money,
    /// Pounds and pence, for prices per unit: `£12.50`.
    Pennies,
    /// A probability or share of futures: `12.3%`.
    Chance,
    /// A number already in per cent (`income_change_pct`): `-3.2%`.
    PerCent,
    /// A count or an activity: `1,235`.
    Count,
    /// A share given as an assumption, with up to two more decimals: `2.83%`.
    Share,
    /// A monthly rate: `0.35%`.
    Rate,
    /// Units of activity given as an assumption: `1,500.0`, `0.85`.
    Units,
    /// As it is.
    Plain,
}

/// The formats of a workbook, made once.
pub(super) struct Styles {
    pub title: Format,
    pub note: Format,
    pub header: Format,
    pub header_group: Format,
    /// A header over numbers: aligned with them, right.
    pub header_number: Format,
    pub label: Format,
    pub text: Format,
    pub wrap: Format,
    /// Names for machines (ids, CSV metric names): grey, set off from a number
    /// before them.
    pub code: Format,
    /// A unit after a number: set off from it.
    pub unit: Format,
    money: Format,
    pennies: Format,
    chance: Format,
    per_cent: Format,
    count: Format,
    share: Format,
    rate: Format,
    units: Format,
    plain: Format,
    signed_money: Format,
    signed_chance: Format,
    signed_per_cent: Format,
    signed_count: Format,
}

const GREY: u32 = 0x595959;
const HEADER_FILL: u32 = 0xE8EEF4;
const RULE: u32 = 0x7F8C99;

impl Styles {
    pub fn new() -> Styles {
        let number = |code: &str| Format::new().set_num_format(code);
        let header = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_background_color(Color::RGB(HEADER_FILL))
            .set_border_bottom(FormatBorder::Thin)
            .set_border_bottom_color(Color::RGB(RULE));
        Styles {
            title: Format::new().set_bold().set_font_size(14),
            note: Format::new().set_italic().set_font_color(Color::RGB(GREY)),
            header_group: header.clone().set_align(FormatAlign::Center),
            header_number: header.clone().set_align(FormatAlign::Right),
            header,
            label: Format::new().set_bold().set_align(FormatAlign::Top),
            text: Format::new().set_align(FormatAlign::Top),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            code: Format::new().set_font_color(Color::RGB(GREY)).set_indent(1),
            unit: Format::new().set_indent(1),
            money: number("\"£\"#,##0;-\"£\"#,##0"),
            pennies: number("\"£\"#,##0.00;-\"£\"#,##0.00"),
            chance: number("0.0%"),
            per_cent: number("0.0\"%\";-0.0\"%\""),
            count: number("#,##0"),
            share: number("0.0#%"),
            rate: number("0.0##%"),
            units: number("#,##0.0##"),
            plain: number("General"),
            signed_money: number("+\"£\"#,##0;-\"£\"#,##0;\"£\"0"),
            signed_chance: number("+0.0%;-0.0%;0.0%"),
            signed_per_cent: number("+0.0\"%\";-0.0\"%\";0.0\"%\""),
            signed_count: number("+#,##0;-#,##0;0"),
        }
    }

    /// The format of a number shown as `shown`; `signed` for a change (`+£1,200`).
    pub fn number(&self, shown: Shown, signed: bool) -> &Format {
        match (shown, signed) {
            (Shown::Money | Shown::Pennies, true) => &self.signed_money,
            (Shown::Chance | Shown::Share | Shown::Rate, true) => &self.signed_chance,
            (Shown::PerCent, true) => &self.signed_per_cent,
            (Shown::Count | Shown::Units, true) => &self.signed_count,
            (Shown::Money, false) => &self.money,
            (Shown::Pennies, false) => &self.pennies,
            (Shown::Chance, false) => &self.chance,
            (Shown::PerCent, false) => &self.per_cent,
            (Shown::Count, false) => &self.count,
            (Shown::Share, false) => &self.share,
            (Shown::Rate, false) => &self.rate,
            (Shown::Units, false) => &self.units,
            (Shown::Plain, _) => &self.plain,
        }
    }
}

/// Writes `value` at (`row`, `col`) as `shown`, or leaves the cell empty when there is
/// no value (a statistic no future defined).
pub(super) fn number(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: Option<f64>,
    format: &Format,
) -> Result<(), XlsxError> {
    if let Some(value) = value.filter(|v| v.is_finite()) {
        sheet.write_number_with_format(row, col, value, format)?;
    }
    Ok(())
}

/// What a cell holds in Excel, in UTF-16 code units.
const MAX_CELL_UNITS: usize = 32_767;

/// `text` as a cell holds it: cut, with an ellipsis, where it would not fit (a very
/// long description, a large correlation matrix written out).
pub(super) fn cell_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.encode_utf16().count() <= MAX_CELL_UNITS {
        return text.into();
    }
    let mut units = 0;
    let mut kept: String = text
        .chars()
        .take_while(|c| {
            units += c.len_utf16();
            units < MAX_CELL_UNITS
        })
        .collect();
    kept.push('…');
    kept.into()
}

/// How many of `rows` data rows fit in Excel's rows under a header at row `header`.
pub(super) fn fitting(rows: usize, header: u32) -> usize {
    let room = super::MAX_ROWS - u64::from(header) - 1;
    rows.min(usize::try_from(room).unwrap_or(usize::MAX))
}

/// What a sheet's note adds when it holds only `kept` of its `all` rows of `what`
/// (empty when it holds them all).
pub(super) fn cut_note(kept: usize, all: usize, what: &str, file: &str) -> String {
    if kept < all {
        format!(
            " Only the first {} of {} {what} fit Excel's rows; {file} holds them all.",
            crate::format::thousands(kept as u64),
            crate::format::thousands(all as u64)
        )
    } else {
        String::new()
    }
}

/// A sheet's title (row 0) and one line saying how to read it (row 1).
pub(super) fn heading(
    sheet: &mut Worksheet,
    styles: &Styles,
    title: &str,
    note: &str,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(0, 0, title, &styles.title)?;
    sheet.set_row_height(0, 21)?;
    sheet.write_string_with_format(1, 0, note, &styles.note)?;
    Ok(())
}

/// A table's columns: header text and width in characters.
pub(super) type Columns<'a> = [(&'a str, f64)];

/// Writes the header row of a table at `row` with its column widths (aligned right
/// over the columns of `numbers`), freezes the rows above the data and the first
/// `frozen_columns` columns, and puts a filter on the header over the rows
/// `row + 1 ..= last_row`.
pub(super) fn table_header(
    sheet: &mut Worksheet,
    styles: &Styles,
    row: u32,
    columns: &Columns<'_>,
    numbers: std::ops::Range<u16>,
    frozen_columns: u16,
    last_row: u32,
) -> Result<(), XlsxError> {
    for (col, (text, width)) in columns.iter().enumerate() {
        let col = col as u16;
        let format = if numbers.contains(&col) {
            &styles.header_number
        } else {
            &styles.header
        };
        sheet.write_string_with_format(row, col, *text, format)?;
        sheet.set_column_width(col, *width)?;
    }
    freeze_and_filter(sheet, row, columns.len() as u16, frozen_columns, last_row)
}

/// Freezes everything above `row + 1` and left of `frozen_columns`, and filters the
/// table whose header is `row` and whose data ends at `last_row`.
pub(super) fn freeze_and_filter(
    sheet: &mut Worksheet,
    row: u32,
    columns: u16,
    frozen_columns: u16,
    last_row: u32,
) -> Result<(), XlsxError> {
    sheet.set_freeze_panes(row + 1, frozen_columns)?;
    if last_row > row && columns > 0 {
        sheet.autofilter(row, 0, last_row, columns - 1)?;
    }
    Ok(())
}

/// A4 landscape, the rows `0..=header_row` repeated on every printed page, the sheet's
/// name and page number in the footer, `across` pages wide (see [`pages_across`]),
/// repeating the first `key_columns` columns on each when more than one.
pub(super) fn page_setup(
    sheet: &mut Worksheet,
    header_row: u32,
    key_columns: u16,
    across: u16,
) -> Result<(), XlsxError> {
    const A4: u8 = 9;
    sheet.set_landscape();
    sheet.set_paper_size(A4);
    sheet.set_print_fit_to_pages(across, 0);
    sheet.set_repeat_rows(0, header_row)?;
    if across > 1 && key_columns > 0 {
        sheet.set_repeat_columns(0, key_columns - 1)?;
    }
    sheet.set_footer("&L&A&RPage &P of &N");
    Ok(())
}

/// The pages across that print a table `width` characters wide readably: one while
/// that keeps a scale near 60% (about 220 characters), else as many as keep it.
pub(super) fn pages_across(width: f64) -> u16 {
    const READABLE: f64 = 220.0;
    (width / READABLE).ceil().clamp(1.0, 100.0) as u16
}

/// The width of a column of `texts`: the longest, within `min..=max` characters.
pub(super) fn text_width<'a>(texts: impl Iterator<Item = &'a str>, min: f64, max: f64) -> f64 {
    let longest = texts.map(|t| t.chars().count()).max().unwrap_or(0) as f64;
    (longest + 2.0).clamp(min, max)
}

/// The total width of `columns`.
pub(super) fn total_width(columns: &Columns<'_>) -> f64 {
    columns.iter().map(|(_, w)| w).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_holds_what_fits_in_excels_rows_and_says_what_it_left_out() {
        assert_eq!(cell_text("short"), "short");
        let long = "x".repeat(40_000);
        assert_eq!(cell_text(&long).chars().count(), 32_767);
        assert!(cell_text(&long).ends_with('…'));
        assert_eq!(fitting(100, 2), 100);
        assert_eq!(fitting(2_000_000, 2), 1_048_573);
        assert_eq!(cut_note(10, 10, "rows", "x.csv"), "");
        assert_eq!(
            cut_note(1_048_573, 2_000_000, "parameters", "scenario.toml"),
            " Only the first 1,048,573 of 2,000,000 parameters fit Excel's rows; scenario.toml \
             holds them all."
        );
    }
}
