//! What every request must pass before it is looked at: the secret token, the Host
//! header, and a size limit.
//!
//! The server listens on 127.0.0.1 only, so no other machine can reach it; the token
//! keeps out other users and programs of this machine, and any web page the user has
//! open (which cannot read the address bar of phbsim's page). The Host check defeats
//! DNS rebinding: a hostile site whose name is re-pointed to 127.0.0.1 reaches the
//! port, but its requests carry its own name as Host.

use rand::TryRng;
use rand::rngs::SysRng;

/// Largest request body read (a what-if is a few hundred bytes); larger ones get 413.
pub const MAX_BODY: usize = 64 * 1024;
/// Most bytes of a body read only to be thrown away before an answer that does not need
/// them (a refusal, a page), so the connection closes cleanly instead of being reset.
/// A body beyond it is left unread and its connection may be reset.
pub const MOST_DISCARDED: u64 = 1024 * 1024;
/// Longest request target (path and query) looked at.
pub const MAX_URL: usize = 2048;

/// A fresh token: 128 bits from the operating system, as 32 hex digits.
pub fn new_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| std::io::Error::other(format!("no randomness from the system: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares a given token with the secret in time that does not depend on where
/// they differ, so the secret cannot be guessed a byte at a time.
pub fn same_token(given: &str, secret: &str) -> bool {
    let (given, secret) = (given.as_bytes(), secret.as_bytes());
    let differ = given
        .iter()
        .zip(secret)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    differ == 0 && given.len() == secret.len()
}

/// Whether a Host header names this server: `127.0.0.1:PORT` or `localhost:PORT`.
pub fn host_is_ours(host: &str, port: u16) -> bool {
    let host = host.trim();
    host.eq_ignore_ascii_case(&format!("127.0.0.1:{port}"))
        || host.eq_ignore_ascii_case(&format!("localhost:{port}"))
}

/// The `token` of a query string (`a=1&token=...`), if there is one.
pub fn token_in(query: &str) -> Option<&str> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_and_long() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn only_the_same_token_passes() {
        let secret = "0123456789abcdef0123456789abcdef";
        assert!(same_token(secret, secret));
        assert!(!same_token("", secret));
        assert!(!same_token(&secret[..31], secret));
        assert!(!same_token(&format!("{secret}0"), secret));
        assert!(!same_token("1123456789abcdef0123456789abcdef", secret));
    }

    #[test]
    fn only_our_own_host_passes() {
        assert!(host_is_ours("127.0.0.1:8080", 8080));
        assert!(host_is_ours("localhost:8080", 8080));
        assert!(host_is_ours("LOCALHOST:8080", 8080));
        for bad in [
            "127.0.0.1",
            "127.0.0.1:8081",
            "evil.example:8080",
            "localhost.evil.example:8080",
            "127.0.0.1:8080.evil",
            "",
        ] {
            assert!(!host_is_ours(bad, 8080), "{bad} passed");
        }
    }

    #[test]
    fn the_token_is_found_among_other_parameters() {
        assert_eq!(token_in("token=abc"), Some("abc"));
        assert_eq!(token_in("x=1&token=abc"), Some("abc"));
        assert_eq!(token_in("xtoken=abc"), None);
        assert_eq!(token_in(""), None);
    }
}
