//! Tests of the vocabulary: specials outside the BPE, exact round trips on
//! any string, deterministic training, and what `from_json` accepts.

use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::OnceLock;

const WORDS: &[&str] = &[
    "the",
    "soft",
    "merino",
    "wool",
    "jacket",
    "is",
    "great",
    "value",
    "for",
    "everyday",
    "use",
    "made",
    "from",
    "recycled",
    "nylon",
    "in",
    "navy",
    "comfort",
    "planet",
    "smart",
    "performance",
    "luxury",
    "price",
    "just",
    "$24.99",
    "café",
    "naïve",
    "日本",
    "🎉",
    "Loopstitch's",
    "—",
];

/// A few hundred short sentences of shop-like text, seeded.
pub(crate) fn small_corpus() -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    (0..400)
        .map(|_| {
            let n = rng.random_range(3..14);
            let mut s: Vec<&str> = (0..n)
                .map(|_| WORDS[rng.random_range(0..WORDS.len())])
                .collect();
            s.push(".");
            s.join(" ")
        })
        .collect()
}

/// A small vocabulary trained once for every test that needs one.
pub(crate) fn small_vocab() -> &'static Vocab {
    static VOCAB: OnceLock<Vocab> = OnceLock::new();
    VOCAB.get_or_init(|| {
        Vocab::train(small_corpus().iter(), 400).expect("training a small vocabulary")
    })
}

fn text_of(decoded: &[Decoded]) -> String {
    decoded
        .iter()
        .filter_map(|d| match d {
            Decoded::Text(t) => Some(t.as_str()),
            Decoded::Special(_) => None,
        })
        .collect()
}

/// A random string mixing ASCII, whitespace, control characters, combining
/// marks, CJK, emoji with joiners, any valid scalar, and special-looking text.
fn random_string(rng: &mut ChaCha8Rng, max_len: usize) -> String {
    let len = rng.random_range(0..=max_len);
    let mut s = String::new();
    for _ in 0..len {
        match rng.random_range(0..10) {
            0 => s.push(rng.random_range(' '..='~')),
            1 => s.push(
                [' ', '\t', '\n', '\r', '\u{a0}', '\u{2028}', '\u{3000}'][rng.random_range(0..7)],
            ),
            2 => s.push(char::from_u32(rng.random_range(0..0x20)).unwrap_or('\0')),
            3 => s.push(char::from_u32(rng.random_range(0x300..0x370)).unwrap_or('\u{301}')),
            4 => s.push(rng.random_range('\u{4e00}'..='\u{9fff}')),
            5 => {
                s.push(rng.random_range('\u{1f300}'..='\u{1faff}'));
                if rng.random_bool(0.5) {
                    s.push_str("\u{200d}\u{fe0f}");
                }
            }
            6 => s.push(rng.random_range('\0'..=char::MAX)),
            7 => s.push_str(Special::ALL[rng.random_range(0..Special::COUNT)].name()),
            8 => s.push_str(WORDS[rng.random_range(0..WORDS.len())]),
            _ => s.push(rng.random_range('\u{80}'..='\u{7ff}')),
        }
    }
    s
}

#[test]
fn specials_follow_the_bpe_with_pad_first() {
    let v = small_vocab();
    assert_eq!(Special::ALL[0], Special::Pad);
    assert_eq!(v.size(), v.bpe_size() + Special::COUNT);
    assert_eq!(v.id(Special::Pad) as usize, v.bpe_size());
    for (i, s) in Special::ALL.into_iter().enumerate() {
        assert_eq!(v.id(s) as usize, v.bpe_size() + i);
        assert_eq!(v.special(v.id(s)), Some(s));
        assert!(s.name().starts_with('<') && s.name().ends_with('>'));
    }
    let names: HashSet<&str> = Special::ALL.iter().map(|s| s.name()).collect();
    assert_eq!(names.len(), Special::COUNT);
    assert_eq!(v.special(0), None);
    assert_eq!(v.special(v.size() as u32), None);
    assert_eq!(v.special(u32::MAX), None);
}

#[test]
fn stars_map_one_to_five_only() {
    assert_eq!(Special::stars(0), None);
    assert_eq!(Special::stars(1), Some(Special::Stars1));
    assert_eq!(Special::stars(5), Some(Special::Stars5));
    assert_eq!(Special::stars(6), None);
}

#[test]
fn training_respects_the_size_and_merges() {
    let v = small_vocab();
    assert_eq!(
        v.size(),
        400,
        "the corpus has enough pairs to fill the vocabulary"
    );
    // Frequent words become single tokens.
    assert_eq!(v.encode_text(" jacket").len(), 1);
    assert!(v.encode_text("the soft merino wool jacket").len() <= 6);
}

#[test]
fn training_is_deterministic() {
    let a = Vocab::train(small_corpus().iter(), 400).expect("train");
    let b = Vocab::train(small_corpus().into_iter(), 400).expect("train");
    assert_eq!(a.to_json().expect("json"), b.to_json().expect("json"));
    assert_eq!(
        a.to_json().expect("json"),
        small_vocab().to_json().expect("json")
    );
}

#[test]
fn too_small_a_vocabulary_is_refused() {
    let err = Vocab::train(["a"].iter(), 256 + Special::COUNT - 1).expect_err("too small");
    assert!(matches!(err, TextError::VocabTooSmall { min, .. } if min == 256 + Special::COUNT));
    assert!(
        err.to_string()
            .contains(&(256 + Special::COUNT - 1).to_string()),
        "{err}"
    );
}

#[test]
fn training_on_nothing_still_covers_every_byte() {
    let v = Vocab::train(std::iter::empty::<&str>(), 1000).expect("train");
    assert_eq!(v.bpe_size(), 256);
    let s = "any text: ünïcödé 🎉\u{0}";
    assert_eq!(text_of(&v.decode(&v.encode_text(s))), s);
}

#[test]
fn byte_alphabet_matches_the_tokenizers_crate() {
    let ours: HashSet<char> = BYTE_CHARS.iter().copied().collect();
    let theirs: HashSet<char> = ByteLevel::alphabet().into_iter().collect();
    assert_eq!(ours.len(), 256);
    assert_eq!(ours, theirs);
    // Each single-byte id decodes to its byte.
    let v = small_vocab();
    for b in 0u8..128 {
        assert_eq!(
            v.decode_text(&[v.byte_ids[b as usize]]),
            (b as char).to_string()
        );
    }
}

#[test]
fn random_strings_round_trip_exactly() {
    let v = small_vocab();
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    for _ in 0..2000 {
        let s = random_string(&mut rng, 60);
        let ids = v.encode_text(&s);
        assert!(
            ids.iter().all(|&id| (id as usize) < v.bpe_size()),
            "{s:?} gave a special id"
        );
        assert_eq!(text_of(&v.decode(&ids)), s);
        assert_eq!(v.decode_text(&ids), s);
    }
}

#[test]
fn edge_case_strings_round_trip_exactly() {
    let v = small_vocab();
    let long_random = random_string(&mut ChaCha8Rng::seed_from_u64(1), 100_000);
    let cases = [
        String::new(),
        " ".into(),
        "\0".into(),
        "<brand>".into(),
        "<brand><price><eos>".into(),
        "e\u{301}\u{302}\u{303}".into(),
        "👩\u{200d}👩\u{200d}👧\u{200d}👦".into(),
        "\r\n\t\u{b}\u{c}\u{1b}[31m".into(),
        "\u{feff}BOM and \u{fffd}".into(),
        " leading and trailing ".into(),
        "   \n\n   ".into(),
        "'s 're 've 'll 'd 'm".into(),
        " ".repeat(50_000),
        " ".repeat(50_000) + "x",
        "a".repeat(50_000),
        "ab ".repeat(20_000),
        "🎉".repeat(10_000),
        long_random,
    ];
    for s in &cases {
        let ids = v.encode_text(s);
        assert_eq!(&text_of(&v.decode(&ids)), s, "length {}", s.len());
    }
}

#[test]
fn special_looking_text_stays_text() {
    let v = small_vocab();
    let ids = v.encode_text("<brand>");
    assert!(ids.iter().all(|&id| v.special(id).is_none()));
    assert_eq!(v.decode(&ids), vec![Decoded::Text("<brand>".into())]);
}

#[test]
fn pieces_encode_and_decode_with_specials() {
    let v = small_vocab();
    let pieces = vec![
        Piece::Special(Special::Desc),
        Piece::Text("The jacket from ".into()),
        Piece::Special(Special::Brand),
        Piece::Text(" is 🎉 great".into()),
        Piece::Special(Special::Eos),
    ];
    let ids = v.encode(&pieces);
    assert_eq!(ids[0], v.id(Special::Desc));
    assert_eq!(*ids.last().expect("ids"), v.id(Special::Eos));
    let decoded = v.decode(&ids);
    assert_eq!(
        decoded,
        vec![
            Decoded::Special(Special::Desc),
            Decoded::Text("The jacket from ".into()),
            Decoded::Special(Special::Brand),
            Decoded::Text(" is 🎉 great".into()),
            Decoded::Special(Special::Eos),
        ]
    );
    assert_eq!(
        v.decode_text(&ids),
        "<desc>The jacket from <brand> is 🎉 great<eos>"
    );
}

#[test]
fn a_character_split_across_tokens_comes_back_whole() {
    let v = small_vocab();
    // A rare emoji is several byte tokens; decoded one run at a time it is whole.
    let ids = v.encode_text("🦀");
    assert!(ids.len() > 1);
    assert_eq!(v.decode(&ids), vec![Decoded::Text("🦀".into())]);
    // Bytes of an unfinished character decode lossily instead of failing.
    assert_eq!(v.decode_text(&ids[..1]), "\u{fffd}");
}

#[test]
fn out_of_range_ids_are_skipped() {
    let v = small_vocab();
    let mut ids = v.encode_text("soft wool");
    ids.insert(1, v.size() as u32);
    ids.push(u32::MAX);
    assert_eq!(v.decode_text(&ids), "soft wool");
    assert!(v.decode(&[]).is_empty());
}

#[test]
fn json_and_file_round_trips_keep_the_encoding() {
    let v = small_vocab();
    let json = v.to_json().expect("json");
    let back = Vocab::from_json(&json).expect("reload");
    assert_eq!(back.size(), v.size());
    let s = "Just $24.99 for the navy jacket, naïve 日本 🎉";
    assert_eq!(back.encode_text(s), v.encode_text(s));

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tokenizer.json");
    v.save(&path).expect("save");
    let loaded = Vocab::load(&path).expect("load");
    assert_eq!(loaded.to_json().expect("json"), json);
    let missing = Vocab::load(&dir.path().join("missing.json")).expect_err("missing file");
    assert!(matches!(missing, TextError::Io { .. }), "{missing}");
}

#[test]
fn foreign_tokenizers_are_refused() {
    assert!(matches!(
        Vocab::from_json("not json"),
        Err(TextError::Json(_))
    ));
    let json = small_vocab().to_json().expect("json");
    let value: serde_json::Value = serde_json::from_str(&json).expect("parse");

    let mut prefix = value.clone();
    prefix["pre_tokenizer"]["add_prefix_space"] = serde_json::Value::Bool(true);
    let err = Vocab::from_json(&prefix.to_string()).expect_err("prefix space");
    assert!(matches!(err, TextError::Unsupported(_)), "{err}");

    let mut no_decoder = value.clone();
    no_decoder["decoder"] = serde_json::Value::Null;
    assert!(matches!(
        Vocab::from_json(&no_decoder.to_string()),
        Err(TextError::Unsupported(_))
    ));

    let mut added = value.clone();
    added["added_tokens"] = serde_json::json!([{
        "id": 400, "content": "<brand>", "single_word": false, "lstrip": false,
        "rstrip": false, "normalized": false, "special": true
    }]);
    assert!(matches!(
        Vocab::from_json(&added.to_string()),
        Err(TextError::Unsupported(_))
    ));

    let mut no_byte = value;
    let vocab = no_byte["model"]["vocab"]
        .as_object_mut()
        .expect("vocab map");
    vocab.remove("A");
    assert!(Vocab::from_json(&no_byte.to_string()).is_err());
}
