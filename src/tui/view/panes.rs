//! The five panes. Each draws into the area it is given, whatever its
//! size; all untrusted text goes through [`clean`].

use super::text::{clean, date, fit, pad, price, wrap};
use crate::domain::EventKind;
use crate::store::Verdict;
use crate::tui::keymap::Pane;
use crate::tui::state::{Mode, Pending, State};
use crate::tui::update::no_model_reason;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, HighlightSpacing, List, ListItem, ListState, Paragraph};

/// A pane's frame: a box in the wide arrangement, a titled rule otherwise.
pub(super) fn frame_block(state: &State, pane: Pane, title: String, boxed: bool) -> Block<'static> {
    let t = state.theme;
    let focused = state.focus == pane;
    let marker = if focused { "▶ " } else { "" };
    let title = Line::from(Span::styled(
        format!(" {marker}{title} "),
        t.border(focused),
    ));
    let block = if boxed {
        Block::bordered()
    } else {
        Block::new().borders(Borders::TOP)
    };
    block.border_style(t.border(focused)).title(title)
}

/// Draws the block and returns the room inside it.
pub(super) fn open(
    state: &State,
    frame: &mut Frame,
    area: Rect,
    pane: Pane,
    title: String,
    boxed: bool,
) -> Rect {
    let w = area.width.saturating_sub(6) as usize;
    let block = frame_block(state, pane, fit(&title, w), boxed);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

pub(super) fn message(state: &State, frame: &mut Frame, area: Rect, text: &str) {
    if area.is_empty() {
        return;
    }
    let lines: Vec<Line> = wrap(text, area.width as usize)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, state.theme.dim())))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// Marks the selected row in text too (it shows without colour, and in
/// snapshots), in a column every row reserves.
pub(super) const SELECTED: &str = "›";

fn list<'a>(items: Vec<ListItem<'a>>, state: &State, focused: bool) -> List<'a> {
    List::new(items)
        .highlight_style(state.theme.selected(focused))
        .highlight_symbol(SELECTED)
        .highlight_spacing(HighlightSpacing::Always)
}

/// The rows a list can need this frame: from the earlier of the last
/// offset and the selection, to the later of the selection and a screenful
/// past the offset (every row is at least a line tall). Only these are
/// built, so a long window of rows costs nothing per frame.
fn window(len: usize, selected: usize, offset: usize, height: u16) -> std::ops::Range<usize> {
    let lo = offset.min(selected).min(len);
    let hi = (selected + 1).max(offset + height as usize).min(len);
    lo..hi.max(lo)
}

/// Draws `items` (the rows `from..` of a list) with the selection and
/// scroll offset of the whole list, and keeps the new offset.
fn draw_list(
    frame: &mut Frame,
    area: Rect,
    list: List<'_>,
    from: usize,
    selected: usize,
    offset: &std::cell::Cell<usize>,
) {
    let mut ls = ListState::default()
        .with_selected(Some(selected.saturating_sub(from)))
        .with_offset(offset.get().saturating_sub(from));
    frame.render_stateful_widget(list, area, &mut ls);
    offset.set(ls.offset() + from);
}

/// The shopper list.
pub fn shoppers(state: &State, frame: &mut Frame, area: Rect, boxed: bool) {
    let l = &state.shoppers;
    let count = match l.total {
        Some(n) => thousands(n),
        None if l.next.is_some() => format!("{}+", l.rows.len()),
        None => l.rows.len().to_string(),
    };
    let filter = if state.mode == Mode::Filter {
        {
            let (before, after) = crate::tui::state::split_back(&l.filter, l.filter_back);
            format!(" /{}▏{}", clean(before), clean(after))
        }
    } else if !l.filter.is_empty() {
        format!(" /{}", clean(&l.filter))
    } else {
        String::new()
    };
    let title = format!("Shoppers ({count}){filter}");
    let inner = open(state, frame, area, Pane::Shoppers, title, boxed);
    if inner.is_empty() {
        return;
    }
    if l.rows.is_empty() {
        let text = if l.loading || !state.ready {
            "loading…".to_string()
        } else if !l.filter.is_empty() {
            format!("no shopper id holds \"{}\"; esc clears", clean(&l.filter))
        } else {
            "no shoppers: tailor import users FILE".into()
        };
        message(state, frame, inner, &text);
        return;
    }
    let t = state.theme;
    // The selection column takes one.
    let w = (inner.width as usize).saturating_sub(1);
    // mark, id (and name), orders, last seen
    let date_w = if w >= 34 { 10 } else { 0 };
    let orders_w = if w >= 22 { 4 } else { 0 };
    // Ids are short; names (when shown) get more room, never all of it.
    let id_max = if state.settings.show_names { 40 } else { 12 };
    let id_w = w
        .saturating_sub(2 + date_w + orders_w + (date_w > 0) as usize + (orders_w > 0) as usize)
        .min(id_max);
    let opened = state.candidates.user_id.as_deref();
    let (header_area, list_area) = if inner.height >= 4 {
        let [h, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
        (Some(h), rest)
    } else {
        (None, inner)
    };
    let shown = window(l.rows.len(), l.selected, l.offset.get(), list_area.height);
    let mut rows = Vec::with_capacity(shown.len());
    for r in &l.rows[shown.clone()] {
        let mark = if Some(r.user_id.as_str()) == opened {
            "● "
        } else {
            "  "
        };
        let who = match (&r.display_name, state.settings.show_names) {
            (Some(name), true) => format!("{} {}", clean(&r.user_id), clean(name)),
            _ => clean(&r.user_id).into_owned(),
        };
        let mut line = format!("{mark}{}", pad(&who, id_w));
        if orders_w > 0 {
            line.push_str(&format!(" {:>4}", r.orders.min(9999)));
        }
        if date_w > 0 {
            line.push_str(&format!(" {}", r.last_seen.map_or("-".into(), date)));
        }
        rows.push(ListItem::new(line));
    }
    if let Some(h) = header_area {
        let mut head = format!("   {}", pad("shopper", id_w));
        if orders_w > 0 {
            head.push_str(" ordr");
        }
        if date_w > 0 {
            head.push_str(" last seen");
        }
        frame.render_widget(Paragraph::new(Span::styled(head, t.dim())), h);
    }
    let list = list(rows, state, state.focus == Pane::Shoppers);
    draw_list(frame, list_area, list, shown.start, l.selected, &l.offset);
}

fn kind_word(kind: EventKind) -> &'static str {
    match kind {
        EventKind::View => "view",
        EventKind::Cart => "cart",
        EventKind::Purchase => "buy",
        EventKind::Review => "review",
    }
}

/// The opened shopper: profile and history, newest first.
pub fn shopper(state: &State, frame: &mut Frame, area: Rect, boxed: bool) {
    let p = &state.shopper;
    let title = match (&p.view, &p.loading) {
        (_, Some(u)) => format!("Shopper {} (loading)", clean(u)),
        (Some(v), None) => match &v.display_name {
            Some(n) => format!("Shopper {} · {}", clean(&v.user_id), clean(n)),
            None => format!("Shopper {}", clean(&v.user_id)),
        },
        (None, None) => "Shopper".into(),
    };
    let inner = open(state, frame, area, Pane::Shopper, title, boxed);
    if inner.is_empty() {
        return;
    }
    let Some(v) = &p.view else {
        let text = if p.loading.is_some() {
            "loading…"
        } else {
            "no shopper open: select one in Shoppers and press enter"
        };
        message(state, frame, inner, text);
        return;
    };
    let t = state.theme;
    let w = inner.width as usize;
    let pr = &v.profile;
    let mut lines: Vec<Line> = Vec::new();
    let cats = pr
        .top_categories
        .iter()
        .map(|(c, share)| format!("{} {share}%", clean(c)))
        .collect::<Vec<_>>()
        .join(" · ");
    lines.push(Line::from(vec![
        Span::styled("likes ", t.dim()),
        Span::raw(fit(
            if cats.is_empty() { "-" } else { &cats },
            w.saturating_sub(6),
        )),
    ]));
    let orders = v
        .history
        .iter()
        .filter(|h| h.kind == EventKind::Purchase)
        .count();
    let of = if pr.truncated {
        format!(" in the newest {}", pr.events)
    } else {
        String::new()
    };
    lines.push(Line::from(vec![
        Span::styled("price ", t.dim()),
        Span::raw(fit(
            &format!(
                "{} · {orders} order{}{of}",
                pr.price_band.as_deref().unwrap_or("-"),
                if orders == 1 { "" } else { "s" }
            ),
            w.saturating_sub(6),
        )),
    ]));
    let [views, carts, buys, reviews] = pr.recent;
    lines.push(Line::from(vec![
        Span::styled("30 days ", t.dim()),
        Span::raw(fit(
            &format!("{buys} bought · {carts} carted · {views} viewed · {reviews} reviewed"),
            w.saturating_sub(8),
        )),
    ]));
    if let Some((first, last)) = pr.span {
        lines.push(Line::from(vec![
            Span::styled("active ", t.dim()),
            Span::raw(format!("{} → {}", date(first), date(last))),
        ]));
    }
    lines.push(Line::from(Span::styled(
        fit("history, newest first", w),
        t.heading(),
    )));
    let focused = state.focus == Pane::Shopper;
    let room = (inner.height as usize).saturating_sub(lines.len());
    let start = p.scroll.min(v.history.len().saturating_sub(1));
    for (i, h) in v.history.iter().enumerate().skip(start).take(room) {
        let stars = h.rating.map(|r| format!(" {r}★")).unwrap_or_default();
        let text = format!(
            "{} {:<6} {} · {} {}{stars}",
            date(h.ts),
            kind_word(h.kind),
            clean(&h.category),
            clean(&h.title),
            price(h.price)
        );
        let (mark, style) = if focused && i == start {
            (SELECTED, t.selected(true))
        } else {
            (" ", Style::new())
        };
        lines.push(Line::from(Span::styled(
            fit(&format!("{mark}{text}"), w),
            style,
        )));
    }
    if v.history.is_empty() {
        lines.push(Line::from(Span::styled("no events yet", t.dim())));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Products recommended for the opened shopper.
pub fn recommended(state: &State, frame: &mut Frame, area: Rect, boxed: bool) {
    let title = match &state.shopper.view {
        Some(v) => format!("Recommended for {}", clean(&v.user_id)),
        None => "Recommended".into(),
    };
    let inner = open(state, frame, area, Pane::Recommended, title, boxed);
    if inner.is_empty() {
        return;
    }
    let Some(v) = &state.shopper.view else {
        message(
            state,
            frame,
            inner,
            "open a shopper to see products for them",
        );
        return;
    };
    if v.recommended.is_empty() {
        message(
            state,
            frame,
            inner,
            "nothing to recommend: the store has no purchases",
        );
        return;
    }
    let w = (inner.width as usize).saturating_sub(1);
    let shown = state.candidates.product.as_ref().map(|p| &p.product_id);
    let items: Vec<ListItem> = v
        .recommended
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mark = if Some(&p.product_id) == shown {
                "●"
            } else {
                " "
            };
            let text = format!(
                "{mark}{:>2}. {} · {} {}",
                i + 1,
                clean(&p.title),
                clean(&p.category),
                price(p.price)
            );
            ListItem::new(fit(&text, w))
        })
        .collect();
    let list = list(items, state, state.focus == Pane::Recommended);
    draw_list(
        frame,
        inner,
        list,
        0,
        state.shopper.rec_selected,
        &state.shopper.rec_offset,
    );
}

/// `n` with thousands separated: 2,000.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Lines of candidate text shown at most per candidate.
const CANDIDATE_LINES: usize = 4;

/// The candidates pane shows the product card from this height on.
const CARD_MIN_HEIGHT: u16 = 14;

/// The product's facts, to check the candidates against without leaving
/// the console: brand, price and category, then every catalog attribute,
/// then the catalog's own copy (at most two lines), and a rule.
fn product_card(state: &State, p: &crate::jobs::ProductRow, w: usize) -> Vec<Line<'static>> {
    let t = state.theme;
    let mut head = vec![clean(&p.category).into_owned()];
    if let Some(b) = &p.brand {
        head.insert(0, clean(b).into_owned());
    }
    if p.price.is_some() {
        head.push(price(p.price));
    }
    let mut lines = vec![Line::from(vec![
        Span::styled("product ", t.dim()),
        Span::styled(fit(&head.join(" · "), w.saturating_sub(8)), t.heading()),
    ])];
    let facts = p
        .facts
        .iter()
        .map(|(k, v)| format!("{} {}", clean(k), clean(v)))
        .collect::<Vec<_>>()
        .join(" · ");
    for (i, l) in wrap(&facts, w.saturating_sub(8).max(8))
        .into_iter()
        .take(2)
        .enumerate()
    {
        lines.push(Line::from(vec![
            Span::styled(if i == 0 { "facts   " } else { "        " }, t.dim()),
            Span::raw(l),
        ]));
    }
    if let Some(d) = &p.description {
        for (i, l) in wrap(&clean(d), w.saturating_sub(8).max(8))
            .into_iter()
            .take(2)
            .enumerate()
        {
            lines.push(Line::from(vec![
                Span::styled(if i == 0 { "catalog " } else { "        " }, t.dim()),
                Span::styled(l, t.dim()),
            ]));
        }
    }
    lines.push(Line::from(Span::styled("─".repeat(w), t.dim())));
    lines
}

/// The catalog's words for a product, longest first: what a candidate may
/// copy from it (title, brand and attribute values of three letters or
/// more), lower-cased.
fn catalog_phrases(p: &crate::jobs::ProductRow) -> Vec<String> {
    let mut phrases: Vec<String> = std::iter::once(p.title.as_str())
        .chain(p.brand.as_deref())
        .chain(p.facts.iter().map(|(_, v)| v.as_str()))
        .map(|s| clean(s).to_lowercase())
        .filter(|s| s.chars().count() >= 3 && s != "yes" && s != "no")
        .collect();
    phrases.sort_by_key(|s| std::cmp::Reverse(s.len()));
    phrases.dedup();
    phrases
}

/// `text` as spans, the catalog's words in it in `mark`.
fn mark_catalog(text: String, phrases: &[String], mark: Style) -> Vec<Span<'static>> {
    let lower = text.to_lowercase();
    // Only where lower-casing kept every byte offset (ASCII-like text).
    if lower.len() != text.len() || phrases.is_empty() {
        return vec![Span::raw(text)];
    }
    let mut taken: Vec<(usize, usize)> = Vec::new();
    for ph in phrases {
        let mut from = 0;
        while let Some(at) = lower[from..].find(ph.as_str()) {
            let (s, e) = (from + at, from + at + ph.len());
            // A whole word or phrase: not inside a longer word.
            let bytes = lower.as_bytes();
            let boundary = |i: usize| {
                i == 0
                    || i == bytes.len()
                    || !(bytes[i - 1].is_ascii_alphanumeric() && bytes[i].is_ascii_alphanumeric())
            };
            if boundary(s) && boundary(e) && taken.iter().all(|&(a, b)| e <= a || s >= b) {
                taken.push((s, e));
            }
            from = e;
        }
    }
    taken.sort_unstable();
    let mut spans = Vec::new();
    let mut at = 0;
    for (s, e) in taken {
        if s > at {
            spans.push(Span::raw(text[at..s].to_string()));
        }
        spans.push(Span::styled(text[s..e].to_string(), mark));
        at = e;
    }
    if at < text.len() {
        spans.push(Span::raw(text[at..].to_string()));
    }
    spans
}

/// The candidates for the selected product.
pub fn candidates(state: &State, frame: &mut Frame, area: Rect, boxed: bool) {
    let c = &state.candidates;
    let title = match &c.product {
        Some(p) => format!(
            "Candidates · {} ({}/{} labelled by you{})",
            clean(&p.title),
            c.totals().1,
            c.totals().0,
            if c.more_before() {
                format!("; {} shown, older above", c.rows.len())
            } else {
                String::new()
            }
        ),
        None => "Candidates".into(),
    };
    let inner = open(state, frame, area, Pane::Candidates, title, boxed);
    if inner.is_empty() {
        return;
    }
    let t = state.theme;
    let w = inner.width as usize;
    // The product card, where the pane has room to spare for it.
    let card = c
        .product
        .as_ref()
        .filter(|_| inner.height >= CARD_MIN_HEIGHT)
        .map(|p| product_card(state, p, w));
    let inner = match card {
        Some(lines) => {
            let [card_area, rest] =
                Layout::vertical([Constraint::Length(lines.len() as u16), Constraint::Fill(1)])
                    .areas(inner);
            frame.render_widget(Paragraph::new(lines), card_area);
            rest
        }
        None => inner,
    };
    let (status_area, list_area) = if c.generating && inner.height >= 3 {
        let [s, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
        (Some(s), rest)
    } else {
        (None, inner)
    };
    if let Some(s) = status_area {
        frame.render_widget(
            Paragraph::new(Span::styled(
                fit(
                    &format!(
                        "generating {} candidates with {}…",
                        state.settings.n_candidates,
                        clean(state.active_model.as_deref().unwrap_or("?"))
                    ),
                    w,
                ),
                t.notice(),
            )),
            s,
        );
    }
    if c.rows.is_empty() {
        let text = if c.product.is_none() {
            "no product selected: open a shopper (enter), or a product in Recommended".to_string()
        } else if c.loading {
            "loading…".to_string()
        } else if c.generating {
            String::new()
        } else if state.active_model.is_none() {
            no_model_reason(state)
        } else {
            format!(
                "no candidates yet: g generates {}",
                state.settings.n_candidates
            )
        };
        message(state, frame, list_area, &text);
        return;
    }
    let pending = match state.pending {
        Some(Pending::Label(id) | Pending::Reason(id)) => Some(id),
        _ => None,
    };
    let phrases = c.product.as_ref().map(catalog_phrases).unwrap_or_default();
    let catalog = t.catalog();
    let shown = window(c.rows.len(), c.selected, c.offset.get(), list_area.height);
    let items: Vec<ListItem> = c.rows[shown.clone()]
        .iter()
        .map(|row| {
            let (mark, style) = if pending == Some(row.generation_id) {
                ("…", t.notice())
            } else {
                match row.label.as_ref().map(|l| l.verdict) {
                    Some(Verdict::Up) => ("+", t.up()),
                    Some(Verdict::Down) => ("-", t.down()),
                    None => ("·", t.dim()),
                }
            };
            let head = format!(
                " #{} {} {:>6.1} ",
                row.generation_id,
                clean(&row.model_version),
                row.logprob
            );
            let indent = 1 + super::text::width(&head);
            let body_w = w.saturating_sub(indent + 1).max(8);
            let mut body = wrap(&clean(&row.text), body_w);
            if body.len() > CANDIDATE_LINES {
                body.truncate(CANDIDATE_LINES);
                if let Some(last) = body.last_mut() {
                    *last = fit(&format!("{last} …"), body_w);
                }
            }
            let mut lines = Vec::with_capacity(body.len() + 1);
            for (i, b) in body.into_iter().enumerate() {
                let mut spans = if i == 0 {
                    vec![
                        Span::styled(mark.to_string(), style),
                        Span::styled(head.clone(), t.dim()),
                    ]
                } else {
                    vec![Span::raw(" ".repeat(indent))]
                };
                spans.extend(mark_catalog(b, &phrases, catalog));
                lines.push(Line::from(spans));
            }
            if let Some(label) = &row.label
                && (label.reason.is_some() || label.note.is_some())
            {
                let why = [label.reason.as_deref(), label.note.as_deref()]
                    .into_iter()
                    .flatten()
                    .map(|s| clean(s).into_owned())
                    .collect::<Vec<_>>()
                    .join(": ");
                lines.push(Line::from(Span::styled(
                    fit(
                        &format!("{}reason: {why}", " ".repeat(indent)),
                        w.saturating_sub(1),
                    ),
                    t.dim(),
                )));
            }
            ListItem::new(Text::from(lines))
        })
        .collect();
    let list = list(items, state, state.focus == Pane::Candidates);
    draw_list(frame, list_area, list, shown.start, c.selected, &c.offset);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_words_are_marked_whole_and_once() {
        let phrases = vec![
            "merino wool".to_string(),
            "navy".to_string(),
            "wool".to_string(),
        ];
        let mark = Style::new().add_modifier(ratatui::style::Modifier::UNDERLINED);
        let spans = mark_catalog(
            "Soft Merino wool in navy, not navyish woolly.".into(),
            &phrases,
            mark,
        );
        let marked: Vec<&str> = spans
            .iter()
            .filter(|s| s.style == mark)
            .map(|s| s.content.as_ref())
            .collect();
        assert_eq!(marked, ["Merino wool", "navy"]);
        let all: String = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(all, "Soft Merino wool in navy, not navyish woolly.");
    }
}
