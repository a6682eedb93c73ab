//! The vocabulary: a byte-level BPE (the `tokenizers` crate) for plain text,
//! followed by our special tokens.
//!
//! BPE ids are `0..n_bpe`; special `s` has id `n_bpe + s as usize`. Because
//! the specials live outside the BPE, a text containing `"<brand>"` encodes
//! as ordinary text, and decoding any encoded string gives it back byte for
//! byte.

use super::TextError;
use std::collections::HashSet;
use std::path::Path;
use tokenizers::decoders::DecoderWrapper;
use tokenizers::models::ModelWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::normalizers::NormalizerWrapper;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::processors::PostProcessorWrapper;
use tokenizers::{Tokenizer, TokenizerImpl};

/// A token with a role of its own rather than text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Special {
    /// Padding; never a target.
    Pad,
    /// End of the generated text.
    Eos,
    /// Starts the shopper's history.
    Hist,
    /// Starts the product's facts.
    Item,
    /// The copy follows.
    Desc,
    /// A history item the shopper viewed.
    View,
    /// A history item the shopper put in the cart.
    Cart,
    /// A history item the shopper bought.
    Purchase,
    /// A history item the shopper reviewed; also announces a review target.
    Review,
    /// Slot: the product's brand.
    Brand,
    /// Slot: the product's price as `$24.99`.
    Price,
    /// Slot: the product's title.
    Title,
    /// Slot: the product's material.
    Material,
    /// Slot: the product's colour.
    Color,
    /// A one-star rating.
    Stars1,
    /// A two-star rating.
    Stars2,
    /// A three-star rating.
    Stars3,
    /// A four-star rating.
    Stars4,
    /// A five-star rating.
    Stars5,
    // Specials added after the first release go at the end, so the ids of
    // the ones before never change and older versions load unchanged (they
    // know fewer specials: see `Vocab::with_specials`).
    /// Slot: the kind of product, as the shop's copy names it ("French press").
    Kind,
    /// Slot: the product the shopper bought most recently, named as the
    /// shop's copy names it; also marks it at the end of a prompt's history.
    Bought,
    /// Slot: the product's first copy-worthy attribute (see `SlotPlan`).
    Attr1,
    /// Slot: the second.
    Attr2,
    /// Slot: the third.
    Attr3,
    /// Slot: the fourth.
    Attr4,
    /// Starts the words that set the shopper's own texts apart.
    Taste,
}

impl Special {
    /// Every special, in id order (`Pad` first).
    pub const ALL: [Special; 26] = [
        Special::Pad,
        Special::Eos,
        Special::Hist,
        Special::Item,
        Special::Desc,
        Special::View,
        Special::Cart,
        Special::Purchase,
        Special::Review,
        Special::Brand,
        Special::Price,
        Special::Title,
        Special::Material,
        Special::Color,
        Special::Stars1,
        Special::Stars2,
        Special::Stars3,
        Special::Stars4,
        Special::Stars5,
        Special::Kind,
        Special::Bought,
        Special::Attr1,
        Special::Attr2,
        Special::Attr3,
        Special::Attr4,
        Special::Taste,
    ];

    /// The specials of the first release: a version whose model has room
    /// for no more than these was trained before the others existed.
    pub const FIRST_RELEASE: usize = 19;

    /// Number of specials.
    pub const COUNT: usize = Special::ALL.len();

    /// The display name, e.g. `"<brand>"`; never parsed back from text.
    pub fn name(self) -> &'static str {
        match self {
            Special::Pad => "<pad>",
            Special::Eos => "<eos>",
            Special::Hist => "<hist>",
            Special::Item => "<item>",
            Special::Desc => "<desc>",
            Special::View => "<view>",
            Special::Cart => "<cart>",
            Special::Purchase => "<purchase>",
            Special::Review => "<review>",
            Special::Brand => "<brand>",
            Special::Price => "<price>",
            Special::Title => "<title>",
            Special::Material => "<material>",
            Special::Color => "<color>",
            Special::Stars1 => "<1star>",
            Special::Stars2 => "<2stars>",
            Special::Stars3 => "<3stars>",
            Special::Stars4 => "<4stars>",
            Special::Stars5 => "<5stars>",
            Special::Kind => "<kind>",
            Special::Bought => "<bought>",
            Special::Attr1 => "<attr1>",
            Special::Attr2 => "<attr2>",
            Special::Attr3 => "<attr3>",
            Special::Attr4 => "<attr4>",
            Special::Taste => "<taste>",
        }
    }

    /// The rating special for `stars` (1 to 5), `None` outside that range.
    pub fn stars(stars: u8) -> Option<Special> {
        match stars {
            1 => Some(Special::Stars1),
            2 => Some(Special::Stars2),
            3 => Some(Special::Stars3),
            4 => Some(Special::Stars4),
            5 => Some(Special::Stars5),
            _ => None,
        }
    }

    /// Position in [`Special::ALL`], which is the offset of its id after the BPE.
    fn index(self) -> usize {
        self as usize
    }
}

/// Part of a prompt or target before encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Plain text, encoded by the BPE.
    Text(String),
    /// A special token.
    Special(Special),
}

/// Part of a decoded id sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// Text decoded from a run of BPE ids.
    Text(String),
    /// A special token.
    Special(Special),
}

/// The concrete tokenizer type `train` builds before wrapping it.
type ByteBpe = TokenizerImpl<BPE, NormalizerWrapper, ByteLevel, PostProcessorWrapper, ByteLevel>;

/// The byte-level BPE plus our specials.
#[derive(Debug, Clone)]
pub struct Vocab {
    tokenizer: Tokenizer,
    n_bpe: u32,
    /// Specials this vocabulary has: all of them, or the first ones only for
    /// a version trained before the rest existed.
    n_specials: usize,
    /// BPE id of each single byte, so encoding never depends on the BPE succeeding.
    byte_ids: [u32; 256],
}

impl Vocab {
    /// Trains a byte-level BPE on `texts` so that the whole vocabulary,
    /// specials included, has at most `vocab_size` tokens (fewer when merges
    /// with a frequency of at least 2 run out). The same input gives the same
    /// vocabulary.
    pub fn train<I, S>(texts: I, vocab_size: usize) -> Result<Vocab, TextError>
    where
        I: Iterator<Item = S> + Send,
        S: AsRef<str> + Send,
    {
        let min = 256 + Special::COUNT;
        if vocab_size < min {
            return Err(TextError::VocabTooSmall {
                requested: vocab_size,
                min,
            });
        }
        let byte_level = ByteLevel::new(false, false, true);
        let mut tokenizer: ByteBpe = TokenizerImpl::new(BPE::default());
        tokenizer.with_pre_tokenizer(Some(byte_level));
        tokenizer.with_decoder(Some(byte_level));
        let mut trainer = BpeTrainerBuilder::new()
            .vocab_size(vocab_size - Special::COUNT)
            .min_frequency(2)
            .show_progress(false)
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect::<HashSet<char>>())
            .build();
        tokenizer
            .train(&mut trainer, texts)
            .map_err(|e| TextError::Train(e.to_string()))?;
        Vocab::new(Tokenizer::from(tokenizer))
    }

    /// Loads a vocabulary from the content of a `tokenizer.json`.
    pub fn from_json(json: &str) -> Result<Vocab, TextError> {
        let tokenizer: Tokenizer = json
            .parse()
            .map_err(|e: tokenizers::Error| TextError::Json(e.to_string()))?;
        Vocab::new(tokenizer)
    }

    /// The `tokenizer.json` content; the specials are implied by [`Special::ALL`].
    pub fn to_json(&self) -> Result<String, TextError> {
        self.tokenizer
            .to_string(false)
            .map_err(|e| TextError::Json(e.to_string()))
    }

    /// Loads a vocabulary from a `tokenizer.json` file.
    pub fn load(path: &Path) -> Result<Vocab, TextError> {
        let json = std::fs::read_to_string(path).map_err(|source| TextError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Vocab::from_json(&json)
    }

    /// Writes the `tokenizer.json` file (not atomically: the caller renames).
    pub fn save(&self, path: &Path) -> Result<(), TextError> {
        std::fs::write(path, self.to_json()?).map_err(|source| TextError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Number of ids: BPE tokens plus specials.
    pub fn size(&self) -> usize {
        self.n_bpe as usize + self.n_specials
    }

    /// This vocabulary with only the first `n` specials (at least the first
    /// release's, at most all): what a version trained when only those
    /// existed has room for. `None` when `n` is outside that range.
    pub fn with_specials(mut self, n: usize) -> Option<Vocab> {
        (Special::FIRST_RELEASE..=Special::COUNT)
            .contains(&n)
            .then(|| {
                self.n_specials = n;
                self
            })
    }

    /// Whether this vocabulary has `s` (a version trained before `s`
    /// existed does not).
    pub fn has(&self, s: Special) -> bool {
        s.index() < self.n_specials
    }

    /// Number of BPE (plain text) tokens; specials start at this id.
    pub fn bpe_size(&self) -> usize {
        self.n_bpe as usize
    }

    /// The id of a special. For a special this vocabulary lacks
    /// ([`Vocab::has`]) it is an id past its end: callers that encode the
    /// newer specials check first.
    pub fn id(&self, s: Special) -> u32 {
        self.n_bpe + s.index() as u32
    }

    /// The special with this id, if it is one.
    pub fn special(&self, id: u32) -> Option<Special> {
        let offset = id.checked_sub(self.n_bpe)? as usize;
        (offset < self.n_specials).then(|| Special::ALL[offset])
    }

    /// Encodes plain text; never fails, whatever the string.
    pub fn encode_text(&self, text: &str) -> Vec<u32> {
        if text.is_empty() {
            return Vec::new();
        }
        match self.tokenizer.encode(text, false) {
            Ok(encoding) => encoding.get_ids().to_vec(),
            // Not expected with a validated byte-level BPE, but single bytes
            // always have ids, so the text is kept whatever happens.
            Err(_) => text.bytes().map(|b| self.byte_ids[b as usize]).collect(),
        }
    }

    /// Encodes pieces: text through the BPE, specials by their ids.
    pub fn encode(&self, pieces: &[Piece]) -> Vec<u32> {
        let mut ids = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Text(text) => ids.extend(self.encode_text(text)),
                Piece::Special(s) => ids.push(self.id(*s)),
            }
        }
        ids
    }

    /// Decodes ids: each run of BPE ids as one text (so a character split
    /// across tokens comes back whole), specials as themselves; ids out of
    /// range are skipped.
    pub fn decode(&self, ids: &[u32]) -> Vec<Decoded> {
        let mut out = Vec::new();
        let mut run: Vec<u32> = Vec::new();
        for &id in ids {
            if id < self.n_bpe {
                run.push(id);
            } else if let Some(s) = self.special(id) {
                self.flush(&mut run, &mut out);
                out.push(Decoded::Special(s));
            }
        }
        self.flush(&mut run, &mut out);
        out
    }

    /// For every id, whether its text ends a sentence (`.`, `!` or `?`,
    /// spaces aside); specials never do.
    pub fn sentence_ends(&self) -> Vec<bool> {
        let mut ends = vec![false; self.size()];
        for (id, end) in ends.iter_mut().enumerate().take(self.n_bpe as usize) {
            if let Ok(text) = self.tokenizer.decode(&[id as u32], false) {
                *end = text.trim_end().ends_with(['.', '!', '?']);
            }
        }
        ends
    }

    /// Decodes ids to one string, specials written as their names.
    pub fn decode_text(&self, ids: &[u32]) -> String {
        let mut text = String::new();
        for d in self.decode(ids) {
            match d {
                Decoded::Text(t) => text.push_str(&t),
                Decoded::Special(s) => text.push_str(s.name()),
            }
        }
        text
    }

    fn flush(&self, run: &mut Vec<u32>, out: &mut Vec<Decoded>) {
        if run.is_empty() {
            return;
        }
        // The byte-level decoder is lossy only for byte sequences that are
        // not UTF-8, which no encoded string produces.
        let text = self
            .tokenizer
            .decode(run, false)
            .unwrap_or_else(|_| char::REPLACEMENT_CHARACTER.to_string());
        out.push(Decoded::Text(text));
        run.clear();
    }

    /// Wraps a tokenizer after checking it is a plain byte-level BPE whose
    /// ids are `0..n` and which has a token for every byte.
    fn new(tokenizer: Tokenizer) -> Result<Vocab, TextError> {
        let unsupported = |what: &str| Err(TextError::Unsupported(what.to_string()));
        if !matches!(tokenizer.get_model(), ModelWrapper::BPE(_)) {
            return unsupported("the model is not BPE");
        }
        match tokenizer.get_pre_tokenizer() {
            Some(PreTokenizerWrapper::ByteLevel(b)) if !b.add_prefix_space => {}
            _ => return unsupported("the pre-tokenizer is not byte-level without prefix space"),
        }
        if !matches!(tokenizer.get_decoder(), Some(DecoderWrapper::ByteLevel(_))) {
            return unsupported("the decoder is not byte-level");
        }
        if tokenizer.get_normalizer().is_some() {
            return unsupported("a normalizer would break exact round trips");
        }
        if tokenizer.get_vocab_size(true) != tokenizer.get_vocab_size(false) {
            return unsupported("added tokens are not used: specials follow the BPE");
        }
        let n = tokenizer.get_vocab_size(false);
        let Ok(n_bpe) = u32::try_from(n) else {
            return unsupported("the vocabulary is too large");
        };
        if n_bpe.checked_add(Special::COUNT as u32).is_none() {
            return unsupported("the vocabulary is too large");
        }
        if let Some(id) = (0..n_bpe).find(|&id| tokenizer.id_to_token(id).is_none()) {
            return Err(TextError::Unsupported(format!(
                "BPE ids are not contiguous: no token has id {id}"
            )));
        }
        let mut byte_ids = [0u32; 256];
        for (b, slot) in byte_ids.iter_mut().enumerate() {
            let token = BYTE_CHARS[b].to_string();
            match tokenizer.token_to_id(&token) {
                Some(id) => *slot = id,
                None => {
                    return Err(TextError::Unsupported(format!(
                        "no token for byte {b:#04x} ({token:?})"
                    )));
                }
            }
        }
        Ok(Vocab {
            tokenizer,
            n_bpe,
            n_specials: Special::COUNT,
            byte_ids,
        })
    }
}

/// The byte-level alphabet (GPT-2's `bytes_to_unicode`): printable Latin-1
/// bytes stand for themselves, the others map to U+0100 upwards in order.
const BYTE_CHARS: [char; 256] = byte_chars();

const fn byte_chars() -> [char; 256] {
    let mut table = ['\0'; 256];
    let mut next = 256u32;
    let mut b = 0usize;
    while b < 256 {
        let printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
        let code = if printable {
            b as u32
        } else {
            next += 1;
            next - 1
        };
        table[b] = match char::from_u32(code) {
            Some(c) => c,
            None => panic!("byte-level code points are valid chars"),
        };
        b += 1;
    }
    table
}

#[cfg(test)]
pub(crate) mod tests;
