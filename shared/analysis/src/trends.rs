//! Trend signals: per-seller hashtag and keyword frequency over time windows, with a growth score.
//! Pure: callers pass the (term, timestamp) events they stored with each analysis.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    pub term: String,
    /// Uses in the latest window.
    pub recent: u32,
    /// Uses in the window before it.
    pub previous: u32,
    /// Smoothed growth: (recent + 1) / (previous + 1) - 1; 0 = flat, 1 = doubled.
    pub growth: f64,
}

/// Counts each term in `[now - window, now)` and `[now - 2*window, now - window)`, and ranks terms
/// by growth, then by recent use. Terms unused in both windows are left out.
pub fn trends(events: &[(String, i64)], now_ms: i64, window_ms: i64) -> Vec<Trend> {
    let mut counts: HashMap<&str, (u32, u32)> = HashMap::new();
    for (term, at) in events {
        let age = now_ms - at;
        if (0..window_ms).contains(&age) {
            counts.entry(term).or_default().0 += 1;
        } else if (window_ms..2 * window_ms).contains(&age) {
            counts.entry(term).or_default().1 += 1;
        }
    }
    let mut out: Vec<Trend> = counts
        .into_iter()
        .map(|(term, (recent, previous))| Trend {
            term: term.to_owned(),
            recent,
            previous,
            growth: f64::from(recent + 1) / f64::from(previous + 1) - 1.0,
        })
        .collect();
    out.sort_by(|a, b| b.growth.total_cmp(&a.growth).then(b.recent.cmp(&a.recent)).then_with(|| a.term.cmp(&b.term)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growing_terms_rank_first() {
        let day = 86_400_000;
        let now = 100 * day;
        let mut events = Vec::new();
        for i in 0..6 {
            events.push(("#serum".to_owned(), now - day - i));
        }
        events.push(("#serum".to_owned(), now - 8 * day));
        for i in 0..3 {
            events.push(("#candles".to_owned(), now - 8 * day - i));
            events.push(("#candles".to_owned(), now - day - i));
        }
        events.push(("#old".to_owned(), now - 30 * day));
        let t = trends(&events, now, 7 * day);
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].term.as_str(), t[0].recent, t[0].previous), ("#serum", 6, 1));
        assert!((t[0].growth - 2.5).abs() < 1e-9);
        assert_eq!((t[1].term.as_str(), t[1].growth), ("#candles", 0.0));
    }
}
