//! Value parsers for the numeric options (`-n`, `-j`): clap's own range check says
//! "0 is not in 1..18446744073709551615", which names a bound nobody typed; these say
//! what to write instead.

/// The most worker threads `-j` accepts.
pub const MAX_THREADS: u64 = 1024;

/// `-n ITERATIONS`: a whole number, at least 1.
pub fn iterations(text: &str) -> Result<u64, String> {
    const USE: &str = "use a whole number of iterations, at least 1";
    match whole_number(text, USE)? {
        0 => Err(format!("0 iterations compute nothing; {USE}")),
        n => Ok(n),
    }
}

/// `-j THREADS`: a whole number from 1 to [`MAX_THREADS`].
pub fn threads(text: &str) -> Result<u64, String> {
    let usage = format!("use 1 to {MAX_THREADS} threads, or leave -j out for one per core");
    match whole_number(text, &usage)? {
        n @ 1..=MAX_THREADS => Ok(n),
        n => Err(format!("{n} threads is out of range; {usage}")),
    }
}

/// `text` as a whole number, or a message ending with `usage`.
fn whole_number(text: &str, usage: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number; {usage}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterations_are_at_least_1() {
        assert_eq!(iterations("1"), Ok(1));
        assert_eq!(iterations("2000"), Ok(2000));
        assert!(iterations("0").unwrap_err().contains("at least 1"));
        assert!(iterations("-3").unwrap_err().contains("not a whole number"));
        assert!(
            iterations("ten")
                .unwrap_err()
                .contains("not a whole number")
        );
    }

    #[test]
    fn threads_are_1_to_1024() {
        assert_eq!(threads("1"), Ok(1));
        assert_eq!(threads("1024"), Ok(1024));
        assert!(threads("0").unwrap_err().contains("1 to 1024"));
        assert!(threads("1025").unwrap_err().contains("1 to 1024"));
        assert!(threads("x").unwrap_err().contains("not a whole number"));
    }
}
