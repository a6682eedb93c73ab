//! The plain data a shop of the family is made from: its categories with
//! their kinds of product, brands, materials, features, flags and specs;
//! its tastes with the channel they show through and the words they speak
//! in; and its sentence templates. One generator reads any of them.
//!
//! Templates use the language of `demo/template.rs`: `[a|b]` is a choice
//! made each time a text is written, `{slot}` a value filled from the
//! product (`{kind}`, `{a_kind}`, `{title}`, `{brand}`, `{brand_s}`,
//! `{the_title}`, `{material}`, `{color}`, `{feature}`, `{price}`, `{value}`,
//! `{other}`, `{k}`, `{adv}`; see `texts.rs`).

/// Price band of a brand: it scales the usual price of a kind of product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// 0.45 to 0.7 of the usual price.
    Budget,
    /// 0.85 to 1.15 of the usual price.
    Mid,
    /// 1.8 to 2.6 of the usual price.
    Premium,
}

/// A brand and its price band.
#[derive(Debug)]
pub struct Brand {
    /// Its name, as the catalog writes it.
    pub name: &'static str,
    /// Its price band.
    pub tier: Tier,
}

/// A value of the shop's main string attribute (`Spec::material_key`).
#[derive(Debug)]
pub struct Material {
    /// The value ("stainless steel", "hyaluronic acid", "hardcover").
    pub name: &'static str,
    /// A word a title may carry for it ("" for none).
    pub title_word: &'static str,
}

/// A kind of product: its noun ends the product's title.
#[derive(Debug)]
pub struct Noun {
    /// Title case, one or two words ("French Press").
    pub name: &'static str,
    /// Usual (mid-band) price range in dollars.
    pub price: (f64, f64),
    /// Values of the main string attribute; none leaves the attribute out.
    pub materials: &'static [Material],
    /// Values of the `feature` attribute.
    pub features: &'static [&'static str],
    /// Flag keys (from `Spec::flags`) this kind has, each with the chance it is true.
    pub flags: &'static [(&'static str, f64)],
    /// Number keys (from `Spec::numbers`) this kind has, each with its possible values.
    pub numbers: &'static [(&'static str, &'static [u32])],
}

/// A category of the catalog.
#[derive(Debug)]
pub struct Category {
    /// Its name, as the catalog writes it.
    pub name: &'static str,
    /// Its brands (several per band).
    pub brands: &'static [Brand],
    /// Its kinds of product.
    pub nouns: &'static [Noun],
    /// Values of the `color` attribute; none leaves the attribute out.
    pub colors: &'static [&'static str],
    /// Catalog sentences saying whom its products suit.
    pub suits: &'static [&'static str],
}

/// A boolean attribute tied to a claim.
#[derive(Debug)]
pub struct Flag {
    /// Attribute key ("dishwasher_safe").
    pub key: &'static str,
    /// Words only a claim of this flag uses: a text holding one claims it.
    pub marks: &'static [&'static str],
    /// Copy sentences that claim it.
    pub claims: &'static [&'static str],
    /// The catalog's sentence for it.
    pub describe: &'static str,
}

/// A numeric attribute: a spec the copy may quote.
#[derive(Debug)]
pub struct Number {
    /// Attribute key ("capacity_ml").
    pub key: &'static str,
    /// How a value reads, `{}` standing for it ("{} ml", "SPF {}").
    pub format: &'static str,
    /// Copy and catalog sentences quoting it as `{value}`.
    pub lines: &'static [&'static str],
}

/// What draws a taste to a product: the channel its taste shows through.
#[derive(Debug)]
pub enum Like {
    /// The flag is true.
    Flag(&'static str),
    /// The number is at least this.
    AtLeast(&'static str, u32),
    /// The number is at most this.
    AtMost(&'static str, u32),
    /// The brand is of this price band.
    Band(Tier),
    /// The product is of this category.
    Category(&'static str),
}

/// One hidden taste of the shop's shoppers.
#[derive(Debug)]
pub struct TasteSpec {
    /// Its name in the truth file ("easy-care").
    pub name: &'static str,
    /// What draws it to a product (any of them).
    pub likes: &'static [Like],
    /// How much more often a liked product is picked than another.
    pub pull: f64,
    /// Its key words, for sentences built from words (`{k}`).
    pub words: &'static [&'static str],
    /// Copy predicates in its voice ("is built for a busy week").
    pub predicates: &'static [&'static str],
    /// Whole copy sentences in its voice.
    pub lines: &'static [&'static str],
    /// Review remarks in its voice, pleased.
    pub good: &'static [&'static str],
    /// Review remarks in its voice, let down.
    pub bad: &'static [&'static str],
}

/// How a shopper's texts follow their taste.
#[derive(Debug, Clone, Copy)]
pub struct Noise {
    /// Share of texts in the shopper's own voice: from the first value for
    /// the least focused shopper to the second for the most.
    pub own: (f64, f64),
    /// Share in no taste's voice; the rest go to another taste.
    pub neutral: f64,
}

impl Noise {
    /// The mean share of texts in the shopper's own voice.
    #[cfg(test)]
    pub fn mean_own(&self) -> f64 {
        (self.own.0 + self.own.1) / 2.0
    }
}

/// How long shoppers' histories are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    /// Sessions over several months, 10 to 45 events.
    Normal,
    /// One visit: 2 to 4 events.
    Short,
}

/// The shop's neutral templates.
#[derive(Debug)]
pub struct Texts {
    /// Catalog sentences saying what the product is.
    pub what: &'static [&'static str],
    /// Catalog sentences naming the main string attribute.
    pub made: &'static [&'static str],
    /// Catalog sentences naming the feature.
    pub feature: &'static [&'static str],
    /// Copy sentences naming the main string attribute.
    pub copy_made: &'static [&'static str],
    /// Neutral copy predicates.
    pub predicates: &'static [&'static str],
    /// Neutral copy sentences.
    pub lines: &'static [&'static str],
    /// Neutral review remarks, pleased.
    pub good: &'static [&'static str],
    /// Neutral review remarks, let down.
    pub bad: &'static [&'static str],
}

/// A shop of the family.
#[derive(Debug)]
pub struct Spec {
    /// Its name for `--shop`.
    pub name: &'static str,
    /// Its categories.
    pub categories: &'static [Category],
    /// Products drawn per category.
    pub per_category: usize,
    /// Attribute key of the main string (`material`, `key_ingredient`, `format`).
    pub material_key: &'static str,
    /// Its flags.
    pub flags: &'static [Flag],
    /// Its specs.
    pub numbers: &'static [Number],
    /// Model or series names that start titles.
    pub lines: &'static [&'static str],
    /// Its tastes (3 to 5).
    pub tastes: &'static [TasteSpec],
    /// Whether purchases carry the copy the shopper saw.
    pub copy_log: bool,
    /// How the copy's voice follows the shopper's taste.
    pub copy_voice: Noise,
    /// How reviews' voice follows the reviewer's taste.
    pub review_voice: Noise,
    /// Chance that a purchase is reviewed.
    pub review_rate: f64,
    /// How long histories are.
    pub history: History,
    /// Its neutral templates.
    pub texts: Texts,
}

impl Number {
    /// `value` as the copy writes it ("1500 ml").
    pub fn text(&self, value: u32) -> String {
        self.format.replace("{}", &value.to_string())
    }
}
