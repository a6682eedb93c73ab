//! What a shopper did lately, kept while their events are walked in time
//! order, so copy can name a product they bought recently and that their
//! prompt's history window still shows.

use crate::domain::EventKind;

/// Distinct other products a referenced purchase must be among: the prompt
/// shows the newest 6 distinct products, one of which may be the current one.
const WINDOW: usize = 5;

/// The newest distinct products a shopper touched and their newest purchases;
/// fixed-size, so tracking costs no allocation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Recent {
    /// Distinct products, most recently touched (by any event) first.
    touched: [u32; WINDOW + 1],
    len: usize,
    /// The two most recent distinct purchases, newest first.
    bought: [Option<u32>; 2],
}

impl Recent {
    /// Forgets everything, for the next shopper.
    pub fn clear(&mut self) {
        *self = Recent::default();
    }

    /// The product, other than `current`, that the shopper bought most
    /// recently, if it is among the 5 newest distinct products other than
    /// `current` that they touched: so it shows in the prompt's history.
    pub fn bought_recently(&self, current: u32) -> Option<u32> {
        let last = self
            .bought
            .iter()
            .flatten()
            .copied()
            .find(|&p| p != current)?;
        self.touched[..self.len]
            .iter()
            .filter(|&&p| p != current)
            .take(WINDOW)
            .any(|&p| p == last)
            .then_some(last)
    }

    /// Notes an event of the shopper, after any text of it was written.
    pub fn record(&mut self, product: u32, kind: EventKind) {
        let at = self.touched[..self.len]
            .iter()
            .position(|&p| p == product)
            .unwrap_or_else(|| {
                self.len = (self.len + 1).min(self.touched.len());
                self.len - 1
            });
        self.touched.copy_within(0..at, 1);
        self.touched[0] = product;
        if kind == EventKind::Purchase && self.bought[0] != Some(product) {
            self.bought = [Some(product), self.bought[0]];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind::{Cart, Purchase, Review, View};

    #[test]
    fn names_the_newest_other_purchase_only_while_in_the_window() {
        let mut r = Recent::default();
        assert_eq!(r.bought_recently(1), None);
        r.record(1, View);
        r.record(1, Purchase);
        assert_eq!(r.bought_recently(1), None, "the current product itself");
        assert_eq!(r.bought_recently(2), Some(1));
        r.record(2, Cart);
        r.record(2, Purchase);
        assert_eq!(
            r.bought_recently(2),
            Some(1),
            "the newest purchase but the current"
        );
        assert_eq!(r.bought_recently(3), Some(2));
        r.record(1, Review);
        assert_eq!(r.bought_recently(3), Some(2), "a review is no purchase");
        // Newer products push 2 out of the window of 3's prompt.
        for p in 10..13 {
            r.record(p, View);
        }
        assert_eq!(
            r.bought_recently(3),
            Some(2),
            "12, 11, 10, 1, 2: 2 is fifth"
        );
        r.record(13, View);
        assert_eq!(r.bought_recently(3), None, "2 is sixth");
        // The current product does not take a place in the window.
        assert_eq!(r.bought_recently(13), Some(2));
        r.record(2, View);
        assert_eq!(r.bought_recently(3), Some(2));
    }
}
