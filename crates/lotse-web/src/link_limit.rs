//! A limit on how often one capability link is opened or submitted: at most [`PER_WINDOW`]
//! requests per link in [`WINDOW`], counted in this process (each instance counts its own).
//! A self-completion link is meant for one person answering once; more than that is someone
//! hammering it, and gets 429 without the link being checked.

use std::collections::HashMap;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

/// Requests allowed per link and window.
pub const PER_WINDOW: u32 = 30;
/// The window.
pub const WINDOW: Duration = Duration::minutes(10);
/// Past this many links counted, windows that have ended are forgotten.
const FORGET_AT: usize = 10_000;

/// Counts requests per link (its id part, the first 32 hex digits of the token).
#[derive(Debug, Default)]
pub struct LinkLimiter {
    windows: Mutex<HashMap<String, (OffsetDateTime, u32)>>,
}

impl LinkLimiter {
    /// Counts one request for `token` at `now`; false when the link is over its limit.
    pub fn allow(&self, token: &str, now: OffsetDateTime) -> bool {
        let key: String = token.chars().take(32).collect();
        let Ok(mut windows) = self.windows.lock() else {
            return true;
        };
        if windows.len() > FORGET_AT {
            windows.retain(|_, (start, _)| now - *start < WINDOW);
        }
        let entry = windows.entry(key).or_insert((now, 0));
        if now - entry.0 >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= PER_WINDOW
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_link_gets_its_requests_per_window_and_then_a_fresh_window() {
        let limiter = LinkLimiter::default();
        let t = datetime!(2026-12-03 10:00 UTC);
        let token = format!("{}{}", "a".repeat(32), "f".repeat(64));
        let other = format!("{}{}", "b".repeat(32), "f".repeat(64));
        for i in 0..PER_WINDOW {
            assert!(
                limiter.allow(&token, t + Duration::seconds(i64::from(i))),
                "request {i}"
            );
        }
        assert!(!limiter.allow(&token, t + Duration::minutes(9)), "over the limit");
        assert!(
            limiter.allow(&other, t + Duration::minutes(9)),
            "another link has its own count"
        );
        assert!(limiter.allow(&token, t + WINDOW), "a new window");
    }
}
