//! The data contract's rule for each kind of value (DESIGN.md §2): ids,
//! text, prices, attributes, event kinds, timestamps and ratings. Each takes
//! a [`Cell`] and either the typed value or the error that names the column
//! and quotes the value.

use super::ImportError;
use super::source::{At, Cell, MAX_FIELD_BYTES, excerpt};
use crate::domain::EventKind;
use crate::sanitize::{sanitize, sanitize_line};
use serde_json::{Map, Value};
use std::borrow::Cow;

type Result<T> = std::result::Result<T, ImportError>;

/// An external id (`product_id`, `user_id`): required, non-empty, and kept
/// exactly as given, so one that sanitising would alter is refused rather
/// than silently changed. JSON integers are accepted as their digits.
pub fn id<'a>(at: At<'_>, column: &str, cell: Cell<'a>) -> Result<Cow<'a, str>> {
    match cell {
        Cell::Absent => Err(at.bad(column, cell, "required value is missing")),
        Cell::Text(s) if s.trim().is_empty() => {
            Err(at.bad(column, cell, "required value is empty"))
        }
        Cell::Text(s) if matches!(sanitize_line(s), Cow::Owned(_)) => Err(at.bad(
            column,
            cell,
            "an id must not contain control, bidirectional or zero-width characters",
        )),
        Cell::Text(s) => Ok(Cow::Borrowed(s)),
        Cell::Json(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Cow::Owned(n.to_string())),
        Cell::Json(_) => Err(at.bad(column, cell, "expected a string")),
    }
}

/// Required text, sanitised; empty (or nothing but escape sequences) is refused.
pub fn required_text<'a>(at: At<'_>, column: &str, cell: Cell<'a>) -> Result<Cow<'a, str>> {
    match optional_text(at, column, cell)? {
        Some(text) => Ok(text),
        None if matches!(cell, Cell::Absent) => {
            Err(at.bad(column, cell, "required value is missing"))
        }
        None => Err(at.bad(column, cell, "required value is empty")),
    }
}

/// Optional text, sanitised; blank after sanitising counts as absent.
pub fn optional_text<'a>(at: At<'_>, column: &str, cell: Cell<'a>) -> Result<Option<Cow<'a, str>>> {
    match cell {
        Cell::Absent => Ok(None),
        Cell::Text(s) => {
            let clean = sanitize(s);
            Ok((!clean.trim().is_empty()).then_some(clean))
        }
        Cell::Json(_) => Err(at.bad(column, cell, "expected a string")),
    }
}

/// A price: a plain decimal ≥ 0 (`12`, `12.50`, `.5`), or a JSON number.
pub fn price(at: At<'_>, column: &str, cell: Cell<'_>) -> Result<Option<f64>> {
    let parsed = match cell {
        Cell::Absent => return Ok(None),
        Cell::Text(s) => parse_decimal(s.trim()),
        Cell::Json(Value::Number(n)) => n.as_f64(),
        Cell::Json(_) => None,
    };
    match parsed {
        // + 0.0 turns -0.0 into 0.0
        Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(x + 0.0)),
        Some(x) if x < 0.0 => Err(at.bad(column, cell, "a price must not be negative")),
        Some(_) => Err(at.bad(column, cell, "price out of range")),
        None => Err(at.bad(column, cell, "expected a decimal number such as 12.50")),
    }
}

/// Parses `[+-]digits[.digits]` or `[+-].digits`; nothing else (no `NaN`,
/// `inf`, exponents, thousands separators or currency signs).
fn parse_decimal(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (whole, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
        return None;
    }
    s.parse().ok()
}

/// Attributes: a JSON object (in a CSV cell, its text) whose values are
/// strings, numbers or bools. String values are sanitised; names must be
/// clean already. Returned as compact JSON with sorted keys, so that equal
/// attributes are equal text.
pub fn attributes(at: At<'_>, column: &str, cell: Cell<'_>) -> Result<Cow<'static, str>> {
    let parsed;
    let object = match cell {
        Cell::Absent => return Ok(Cow::Borrowed("{}")),
        Cell::Text(s) => {
            parsed = serde_json::from_str::<Value>(s).map_err(|e| {
                let message = e.to_string();
                let message = message.split(" at line ").next().unwrap_or_default();
                at.bad(column, cell, format!("invalid JSON: {message}"))
            })?;
            match &parsed {
                Value::Object(object) => object,
                _ => return Err(at.bad(column, cell, "expected a JSON object")),
            }
        }
        Cell::Json(Value::Object(object)) => object,
        Cell::Json(_) => return Err(at.bad(column, cell, "expected a JSON object")),
    };
    let mut clean = Map::new();
    for (name, value) in object {
        if name.trim().is_empty() || matches!(sanitize_line(name), Cow::Owned(_)) {
            return Err(at.bad(
                column,
                cell,
                format!(
                    "attribute name {:?} is empty or holds control, bidirectional or zero-width characters",
                    excerpt(name.as_bytes())
                ),
            ));
        }
        let value = match value {
            Value::String(s) => Value::String(sanitize(s).into_owned()),
            Value::Number(_) | Value::Bool(_) => value.clone(),
            _ => {
                return Err(at.bad(
                    column,
                    cell,
                    format!(
                        "attribute `{}` must be a string, number or bool",
                        excerpt(name.as_bytes())
                    ),
                ));
            }
        };
        clean.insert(name.clone(), value);
    }
    let text = Value::Object(clean).to_string();
    if text.len() > MAX_FIELD_BYTES {
        return Err(at.bad(column, cell, "attributes longer than 1 MiB"));
    }
    Ok(Cow::Owned(text))
}

/// An event kind: `view`, `cart`, `purchase` or `review`.
pub fn event_kind(at: At<'_>, column: &str, cell: Cell<'_>) -> Result<EventKind> {
    match cell {
        Cell::Absent => Err(at.bad(column, cell, "required value is missing")),
        Cell::Text(s) => s
            .parse()
            .map_err(|_| at.bad(column, cell, "expected one of view, cart, purchase, review")),
        Cell::Json(_) => Err(at.bad(column, cell, "expected one of view, cart, purchase, review")),
    }
}

/// The times an event may carry, in Unix seconds: 1970-01-01T00:00:00Z to
/// 2100-01-01T00:00:00Z, both included. Shop history lies well inside; a
/// value outside is a unit mistake (milliseconds) or a placeholder
/// (`9999-12-31`), and the console could not show it as a date.
pub const TIMESTAMP_RANGE: std::ops::RangeInclusive<i64> = 0..=4_102_444_800;

/// A timestamp: RFC 3339, or integer Unix seconds (as text or a JSON
/// number), within [`TIMESTAMP_RANGE`].
pub fn timestamp(at: At<'_>, column: &str, cell: Cell<'_>) -> Result<i64> {
    let parsed = match cell {
        Cell::Absent => return Err(at.bad(column, cell, "required value is missing")),
        Cell::Text(s) => {
            let s = s.trim();
            let unsigned = s.strip_prefix('-').unwrap_or(s);
            if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
                // Digits too many for an i64 are out of range, not malformed.
                Some(s.parse().unwrap_or(i64::MAX))
            } else {
                chrono::DateTime::parse_from_rfc3339(s)
                    .ok()
                    .map(|t| t.timestamp())
            }
        }
        Cell::Json(Value::Number(n)) if n.is_u64() => Some(n.as_i64().unwrap_or(i64::MAX)),
        Cell::Json(Value::Number(n)) => n.as_i64(),
        Cell::Json(_) => None,
    };
    match parsed {
        Some(ts) if TIMESTAMP_RANGE.contains(&ts) => Ok(ts),
        Some(_) => Err(at.bad(
            column,
            cell,
            "timestamp out of range: expected 1970-01-01T00:00:00Z to 2100-01-01T00:00:00Z",
        )),
        None => Err(at.bad(
            column,
            cell,
            "expected an RFC 3339 timestamp (2024-05-01T12:00:00Z) or integer Unix seconds",
        )),
    }
}

/// A rating: an integer from 1 to 5, as text or a JSON number.
pub fn rating(at: At<'_>, column: &str, cell: Cell<'_>) -> Result<Option<u8>> {
    let parsed = match cell {
        Cell::Absent => return Ok(None),
        Cell::Text(s) => s.trim().parse::<i64>().ok(),
        Cell::Json(Value::Number(n)) => n.as_i64(),
        Cell::Json(_) => None,
    };
    match parsed {
        Some(r @ 1..=5) => Ok(Some(r as u8)),
        _ => Err(at.bad(column, cell, "expected an integer from 1 to 5")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: At<'static> = At {
        file: "f.csv",
        line: 2,
    };

    fn text(s: &str) -> Cell<'_> {
        Cell::Text(s)
    }

    #[test]
    fn prices() {
        for (s, want) in [
            ("12", 12.0),
            ("12.50", 12.5),
            (".5", 0.5),
            ("7.", 7.0),
            (" 3 ", 3.0),
            ("0", 0.0),
            ("-0", 0.0),
        ] {
            assert_eq!(price(AT, "price", text(s)).unwrap(), Some(want), "{s:?}");
        }
        for s in [
            "NaN", "nan", "inf", "-inf", "infinity", "1e3", "abc", "12,50", "$12", "-1", "-0.01",
            ".", "+", "1.2.3", "١٢",
        ] {
            let e = price(AT, "price", text(s)).unwrap_err();
            assert!(e.is_bad_data());
            assert!(e.to_string().contains(&format!("{s:?}")), "{e}");
        }
        let huge = "9".repeat(400);
        assert!(
            price(AT, "price", text(&huge))
                .unwrap_err()
                .to_string()
                .contains("out of range")
        );
        let n: Value = serde_json::json!(12.5);
        assert_eq!(price(AT, "price", Cell::Json(&n)).unwrap(), Some(12.5));
        let neg: Value = serde_json::json!(-1);
        assert!(
            price(AT, "price", Cell::Json(&neg))
                .unwrap_err()
                .to_string()
                .contains("negative")
        );
        assert_eq!(price(AT, "price", Cell::Absent).unwrap(), None);
    }

    #[test]
    fn ids_are_never_altered() {
        assert_eq!(id(AT, "user_id", text("u-1")).unwrap(), "u-1");
        for bad in [
            "",
            "  ",
            "u\x1b[2J",
            "u\u{202e}1",
            "a\tb",
            "a\nb",
            "u\u{200b}",
        ] {
            assert!(id(AT, "user_id", text(bad)).is_err(), "{bad:?}");
        }
        let n = serde_json::json!(42);
        assert_eq!(id(AT, "user_id", Cell::Json(&n)).unwrap(), "42");
        let f = serde_json::json!(4.2);
        assert!(id(AT, "user_id", Cell::Json(&f)).is_err());
    }

    #[test]
    fn text_is_sanitised_and_blank_is_absent() {
        assert_eq!(
            required_text(AT, "title", text("Jumper\x1b]0;pwned\x07 red")).unwrap(),
            "Jumper red"
        );
        assert!(required_text(AT, "title", text("\x1b[2J")).is_err());
        assert!(required_text(AT, "title", Cell::Absent).is_err());
        assert_eq!(optional_text(AT, "brand", text("\u{202e}")).unwrap(), None);
        assert_eq!(optional_text(AT, "brand", Cell::Absent).unwrap(), None);
    }

    #[test]
    fn attributes_are_flat_clean_and_canonical() {
        let a = attributes(
            AT,
            "attributes",
            text(r#"{"eco": true, "material":"wool\u001b[2J", "n": 3}"#),
        )
        .unwrap();
        assert_eq!(a, r#"{"eco":true,"material":"wool","n":3}"#);
        assert_eq!(attributes(AT, "attributes", Cell::Absent).unwrap(), "{}");
        for bad in [
            r#"{"a":{"b":1}}"#,
            r#"{"a":[1]}"#,
            r#"{"a":null}"#,
            r#"[1,2]"#,
            r#""text""#,
            r#"{"a":"#,
            r#"{"\u001b[2J":1}"#,
        ] {
            let e = attributes(AT, "attributes", text(bad)).unwrap_err();
            assert!(e.to_string().contains("column `attributes`"), "{e}");
        }
    }

    #[test]
    fn timestamp_window_is_1970_to_2100_inclusive() {
        let date = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
        assert_eq!(*TIMESTAMP_RANGE.start(), date("1970-01-01T00:00:00Z"));
        assert_eq!(*TIMESTAMP_RANGE.end(), date("2100-01-01T00:00:00Z"));
        for ok in [
            "0",
            "4102444800",
            "1970-01-01T00:00:00Z",
            "2100-01-01T00:00:00Z",
        ] {
            assert!(timestamp(AT, "ts", text(ok)).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn timestamp_past_2100_or_before_1970_is_refused_naming_the_value() {
        for bad in [
            "4102444801",
            "99999999999999",
            "9223372036854775807",
            "99999999999999999999",
            "-1",
            "-9223372036854775808",
            "9999-12-31T00:00:00Z",
            "2100-01-01T00:00:01Z",
            "1969-12-31T23:59:59Z",
            "0000-01-01T00:00:00Z",
        ] {
            let e = timestamp(AT, "ts", text(bad)).unwrap_err();
            assert!(e.is_bad_data());
            let e = e.to_string();
            assert!(e.starts_with("f.csv:2: column `ts`: "), "{e}");
            assert!(e.contains("out of range"), "{bad:?}: {e}");
            assert!(e.contains(&format!("{bad:?}")), "{e}");
        }
        for bad in [
            serde_json::json!(i64::MAX),
            serde_json::json!(u64::MAX),
            serde_json::json!(-1),
            serde_json::json!(99_999_999_999_999_i64),
        ] {
            let e = timestamp(AT, "ts", Cell::Json(&bad))
                .unwrap_err()
                .to_string();
            assert!(e.contains("out of range"), "{bad}: {e}");
        }
    }

    #[test]
    fn timestamps_and_ratings() {
        assert_eq!(
            timestamp(AT, "ts", text("1700000000")).unwrap(),
            1_700_000_000
        );
        assert_eq!(
            timestamp(AT, "ts", text("2023-11-14T22:13:20Z")).unwrap(),
            1_700_000_000
        );
        assert_eq!(
            timestamp(AT, "ts", text("2023-11-14T23:13:20+01:00")).unwrap(),
            1_700_000_000
        );
        let n = serde_json::json!(1_700_000_000);
        assert_eq!(timestamp(AT, "ts", Cell::Json(&n)).unwrap(), 1_700_000_000);
        for bad in ["yesterday", "2023-11-14", "1.5", ""] {
            let e = timestamp(AT, "ts", text(bad)).unwrap_err().to_string();
            assert!(e.contains("expected an RFC 3339"), "{bad:?}: {e}");
        }
        let f = serde_json::json!(1.5);
        assert!(timestamp(AT, "ts", Cell::Json(&f)).is_err());

        assert_eq!(rating(AT, "rating", text("5")).unwrap(), Some(5));
        assert_eq!(rating(AT, "rating", Cell::Absent).unwrap(), None);
        for bad in ["0", "6", "4.5", "five", "-1"] {
            assert!(rating(AT, "rating", text(bad)).is_err(), "{bad:?}");
        }
        assert_eq!(
            event_kind(AT, "kind", text("purchase")).unwrap(),
            EventKind::Purchase
        );
        assert!(event_kind(AT, "kind", text("Purchase")).is_err());
    }
}
