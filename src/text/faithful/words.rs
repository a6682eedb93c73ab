//! Words, sentences and numbers of a text as the faithfulness checks read
//! them, and the longest-phrase matching they share.
//!
//! A word is a run of letters and digits, with `-` or an apostrophe kept
//! between two of them ("wi-fi", "chef's", "20-hour"); a curly apostrophe
//! reads as a straight one. A sentence ends at `.`, `!` or `?` (not a
//! decimal point) and at a line break.

use std::collections::HashMap;

/// One word of a text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Word {
    /// As written (apostrophes straightened), for names, which keep their case.
    pub cased: String,
    /// Lower-cased, for kinds, claims and features.
    pub lower: String,
    /// Byte span in the text.
    pub span: (usize, usize),
    /// Which sentence of the text it is in, from 0.
    pub sentence: usize,
    /// Whether it is the first word of its sentence.
    pub starts_sentence: bool,
}

/// The words of `text`, in order.
pub(crate) fn words(text: &str) -> Vec<Word> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |j: usize| chars.get(j).map_or(text.len(), |&(b, _)| b);
    let mut out: Vec<Word> = Vec::new();
    let mut sentence = 0;
    let mut open = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if c.is_alphanumeric() {
            let mut j = i + 1;
            loop {
                if j < chars.len() && chars[j].1.is_alphanumeric() {
                    j += 1;
                } else if j + 1 < chars.len()
                    && matches!(chars[j].1, '-' | '\'' | '\u{2019}')
                    && chars[j + 1].1.is_alphanumeric()
                {
                    j += 2;
                } else {
                    break;
                }
            }
            let span = (chars[i].0, end_of(j));
            let cased = text[span.0..span.1].replace('\u{2019}', "'");
            out.push(Word {
                lower: cased.to_lowercase(),
                cased,
                span,
                sentence,
                starts_sentence: !open,
            });
            open = true;
            i = j;
            continue;
        }
        let decimal = c == '.'
            && i > 0
            && chars[i - 1].1.is_ascii_digit()
            && chars.get(i + 1).is_some_and(|&(_, d)| d.is_ascii_digit());
        if (matches!(c, '.' | '!' | '?') && !decimal || c == '\n') && open {
            sentence += 1;
            open = false;
        }
        i += 1;
    }
    out
}

/// How a word counts as a place for a number: lower case, with its colon
/// when one follows ("size:" in "Size: 50 ml" is a label; "size" in
/// "pocket size" is not).
pub(crate) fn label_key(text: &str, w: &Word) -> String {
    if text[w.span.1..].starts_with(':') {
        format!("{}:", w.lower)
    } else {
        w.lower.clone()
    }
}

/// Whether the word after `ws[i]`, in the same sentence, is a number.
pub(crate) fn number_follows(ws: &[Word], i: usize) -> bool {
    ws.get(i + 1)
        .filter(|n| n.sentence == ws[i].sentence)
        .is_some_and(|n| n.lower.starts_with(|c: char| c.is_ascii_digit()))
}

/// The lower-cased words of `text`.
pub(crate) fn lower_words(text: &str) -> Vec<String> {
    words(text).into_iter().map(|w| w.lower).collect()
}

/// Whether `seq` holds `phrase` (words) as consecutive words.
pub(crate) fn contains(seq: &[String], phrase: &[&str]) -> bool {
    !phrase.is_empty()
        && seq.len() >= phrase.len()
        && seq
            .windows(phrase.len())
            .any(|w| w.iter().zip(phrase).all(|(a, b)| a == b))
}

/// Whether `seq` ends with `phrase` (words).
pub(crate) fn ends_with(seq: &[String], phrase: &[&str]) -> bool {
    seq.len() >= phrase.len()
        && seq[seq.len() - phrase.len()..]
            .iter()
            .zip(phrase)
            .all(|(a, b)| a == b)
}

/// A phrase found in a text: its first word, its length in words and its key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found<'t> {
    /// Index of its first word.
    pub start: usize,
    /// Words it spans.
    pub len: usize,
    /// The table's key it matched.
    pub key: &'t str,
}

/// The phrases of `table` (words joined by one space, in the form `form`
/// picks) in `words`, left to right, the longest at each position and
/// never overlapping; words where `skip` holds are never part of one.
pub(crate) fn find<'t, V>(
    words: &[Word],
    table: &'t HashMap<String, V>,
    max_words: usize,
    form: impl Fn(&Word) -> &str,
    skip: impl Fn(usize) -> bool,
) -> Vec<Found<'t>> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let mut best = None;
        let mut key = String::new();
        for n in 1..=max_words.min(words.len() - i) {
            // A phrase never runs across a sentence end ("any garden.
            // Hose length" is not a "garden hose").
            if skip(i + n - 1) || words[i + n - 1].sentence != words[i].sentence {
                break;
            }
            if n > 1 {
                key.push(' ');
            }
            key.push_str(form(&words[i + n - 1]));
            if let Some((k, _)) = table.get_key_value(key.as_str()) {
                best = Some(Found {
                    start: i,
                    len: n,
                    key: k.as_str(),
                });
            }
        }
        match best {
            Some(f) => {
                i += f.len;
                found.push(f);
            }
            None => i += 1,
        }
    }
    found
}

/// A number written in a text, with its byte span.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Number {
    /// Its value (thousands separators dropped).
    pub value: f64,
    /// As written.
    pub text: String,
    /// Byte span in the text.
    pub span: (usize, usize),
}

/// The word just before byte `at` of `text`, lower-cased, when only
/// spaces and symbols ("$", "£") lie between it and `at`: none across a
/// sentence or clause end.
pub(crate) fn word_before(text: &str, at: usize) -> Option<String> {
    let before = &text[..at];
    let end = before
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphanumeric())
        .map(|(i, c)| i + c.len_utf8())?;
    if before[end..].contains(['.', '!', '?', ',', ';', ':', '\n']) {
        return None;
    }
    let start = before[..end]
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '-' || *c == '\''))
        .map_or(0, |(i, c)| i + c.len_utf8());
    Some(before[start..end].to_lowercase())
}

/// The numbers of `text`: digits with `,000` groups and a decimal part,
/// not glued to a letter ("10Ks" and "4K" are words, not numbers; "20-hour"
/// holds the number 20).
pub(crate) fn numbers(text: &str) -> Vec<Number> {
    let bytes = text.as_bytes();
    let letter_before = |at: usize| {
        text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphabetic)
    };
    let letter_after = |at: usize| text[at..].chars().next().is_some_and(char::is_alphabetic);
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let start = i;
        let digits = |mut j: usize| {
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            j
        };
        let mut end = digits(i);
        // Thousands groups: a comma then exactly three digits.
        while bytes.get(end) == Some(&b',') && digits(end + 1) == end + 4 {
            end += 4;
        }
        if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
            end = digits(end + 1);
        }
        i = end;
        if letter_before(start) || letter_after(end) {
            continue;
        }
        let written = &text[start..end];
        if let Ok(value) = written.replace(',', "").parse::<f64>() {
            out.push(Number {
                value,
                text: written.to_string(),
                span: (start, end),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_inner_hyphens_and_apostrophes_and_mark_sentences() {
        let w = words("Our Chef\u{2019}s Knife: wi-fi ready. $24.99 -- then? Yes");
        let cased: Vec<&str> = w.iter().map(|w| w.cased.as_str()).collect();
        assert_eq!(
            cased,
            [
                "Our", "Chef's", "Knife", "wi-fi", "ready", "24", "99", "then", "Yes"
            ]
        );
        assert_eq!(w[1].lower, "chef's");
        let sentences: Vec<usize> = w.iter().map(|w| w.sentence).collect();
        assert_eq!(sentences, [0, 0, 0, 0, 0, 1, 1, 1, 2]);
        assert!(w[0].starts_sentence && w[5].starts_sentence && w[8].starts_sentence);
        assert!(!w[6].starts_sentence, "a decimal point ends no sentence");
    }

    #[test]
    fn numbers_skip_words_that_hold_digits() {
        let found = numbers("weekend 10Ks, a 4K screen, 20-hour battery, $1,234.50 or 7 kg, v2");
        let values: Vec<f64> = found.iter().map(|n| n.value).collect();
        assert_eq!(values, [20.0, 1234.5, 7.0]);
        assert_eq!(found[1].text, "1,234.50");
    }

    #[test]
    fn find_takes_the_longest_phrase_and_honours_skip() {
        let table: HashMap<String, ()> = ["running shoe", "shoe", "trail shoe"]
            .into_iter()
            .map(|k| (k.to_string(), ()))
            .collect();
        let w = words("A running shoe, not a trail shoe or a shoe.");
        let keys: Vec<&str> = find(&w, &table, 3, |w| &w.lower, |_| false)
            .iter()
            .map(|f| f.key)
            .collect();
        assert_eq!(keys, ["running shoe", "trail shoe", "shoe"]);
        let apart = words("Go running. Shoe care is easy.");
        let keys: Vec<&str> = find(&apart, &table, 3, |w| &w.lower, |_| false)
            .iter()
            .map(|f| f.key)
            .collect();
        assert_eq!(keys, ["shoe"], "no phrase across a sentence end");
        let keys: Vec<&str> = find(&w, &table, 3, |w| &w.lower, |i| i == 1)
            .iter()
            .map(|f| f.key)
            .collect();
        assert_eq!(
            keys,
            ["shoe", "trail shoe", "shoe"],
            "a skipped word breaks a phrase"
        );
    }
}
