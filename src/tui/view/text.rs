//! Text for cells: sanitised, cut or wrapped to a display width.

use crate::sanitize::sanitize_line;
use std::borrow::Cow;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Untrusted text, made safe for one line of the terminal. Every piece of
/// text that comes from the store or the model goes through this.
pub fn clean(s: &str) -> Cow<'_, str> {
    sanitize_line(s)
}

/// Display width.
pub fn width(s: &str) -> usize {
    s.width()
}

/// `s` (already clean) cut to `max` columns, with `…` when cut.
pub fn fit(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` (already clean) padded or cut to exactly `w` columns.
pub fn pad(s: &str, w: usize) -> String {
    let s = fit(s, w);
    let n = s.width();
    format!("{s}{}", " ".repeat(w.saturating_sub(n)))
}

/// `s` (already clean) word-wrapped to `max` columns; a word longer than a
/// line is split. Never returns an empty vector.
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        let w = word.width();
        if used > 0 && used + 1 + w > max {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if w > max {
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > max && used > 0 {
                    lines.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push(c);
                used += cw;
            }
            continue;
        }
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        line.push_str(word);
        used += w;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Unix seconds as a date (UTC).
pub fn date(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "-".into())
}

/// Seconds as `4m12s`, `1h05m`, `12s`.
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "-".into();
    }
    let s = secs.round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// A price as `$54.99`.
pub fn price(p: Option<f64>) -> String {
    match p {
        Some(p) if p.is_finite() => format!("${p:.2}"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_and_wrap_respect_display_width() {
        assert_eq!(fit("merino", 10), "merino");
        assert_eq!(fit("merino wool", 6), "merin…");
        assert_eq!(fit("日本語テキスト", 5), "日本…");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
        for line in wrap("日本語 テキスト 長い", 5) {
            assert!(width(&line) <= 5, "{line}");
        }
        assert_eq!(duration(252.0), "4m12s");
        assert_eq!(duration(3900.0), "1h05m");
        assert_eq!(duration(f64::NAN), "-");
        assert_eq!(clean("a\u{1b}[2Jb"), "ab");
    }
}
