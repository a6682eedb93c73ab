//! Analysts side by side: each one's figures, how often they agree on the
//! candidates more than one of them labelled (Cohen's κ for two analysts,
//! Fleiss' κ for more), and the candidates they disagree on, to review.

use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One label in effect: which candidate, whose, and which way.
#[derive(Debug, Clone, PartialEq)]
pub struct Vote {
    /// The candidate.
    pub generation_id: i64,
    /// The analyst.
    pub analyst: String,
    /// Thumbs-up.
    pub up: bool,
    /// The shopper it was written for.
    pub user_id: String,
    /// The product.
    pub product_id: String,
    /// The candidate's text.
    pub text: String,
}

/// One analyst's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalystFigures {
    /// Who.
    pub analyst: String,
    /// Labels in effect.
    pub labels: usize,
    /// Share of them that are up.
    pub up_rate: f64,
    /// Labels given per minute of labelling (gaps over five minutes are
    /// breaks, not work).
    pub labels_per_minute: f64,
    /// Candidates they labelled that someone else labelled too.
    pub shared: usize,
    /// Share of the other analysts' labels on those candidates that agree
    /// with theirs; `None` when nothing is shared.
    pub agreement_with_others: Option<f64>,
}

/// A candidate the analysts labelled both ways.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    /// The candidate.
    pub generation_id: i64,
    /// The shopper.
    pub user_id: String,
    /// The product.
    pub product_id: String,
    /// The text they disagree on.
    pub text: String,
    /// Who said up.
    pub up: Vec<String>,
    /// Who said down.
    pub down: Vec<String>,
}

/// Everything `tailor stats --agreement` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementReport {
    /// Each analyst, by name.
    pub analysts: Vec<AnalystFigures>,
    /// Candidates labelled by two or more analysts.
    pub shared_candidates: usize,
    /// `"cohen"` (two analysts share candidates) or `"fleiss"` (more).
    pub kappa_kind: Option<&'static str>,
    /// Agreement beyond chance on the shared candidates: 1 is perfect, 0 is
    /// what chance gives; `None` when nothing is shared or chance alone
    /// would agree every time.
    pub kappa: Option<f64>,
    /// The shared candidates labelled both ways, newest first.
    pub disagreements: Vec<Disagreement>,
}

/// Cohen's κ for two raters over the same items: `(p_o − p_e) / (1 − p_e)`,
/// with `p_e` from each rater's own share of ups. `None` without items or
/// when `p_e` is 1.
pub fn cohen_kappa(pairs: &[(bool, bool)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let agree = pairs.iter().filter(|(a, b)| a == b).count() as f64 / n;
    let a_up = pairs.iter().filter(|(a, _)| *a).count() as f64 / n;
    let b_up = pairs.iter().filter(|(_, b)| *b).count() as f64 / n;
    let chance = a_up * b_up + (1.0 - a_up) * (1.0 - b_up);
    (chance < 1.0).then(|| (agree - chance) / (1.0 - chance))
}

/// Fleiss' κ over items each rated by two or more raters, from each item's
/// (ups, downs). Items with different numbers of raters are averaged as in
/// Fleiss (1971) item by item: `P_i = Σ n_ij (n_ij − 1) / (n_i (n_i − 1))`,
/// `p_j` pooled over all ratings. `None` without items or when chance
/// alone would agree every time.
pub fn fleiss_kappa(items: &[(usize, usize)]) -> Option<f64> {
    let rated: Vec<(f64, f64)> = items
        .iter()
        .filter(|(u, d)| u + d >= 2)
        .map(|&(u, d)| (u as f64, d as f64))
        .collect();
    if rated.is_empty() {
        return None;
    }
    let observed = rated
        .iter()
        .map(|(u, d)| {
            let n = u + d;
            (u * (u - 1.0) + d * (d - 1.0)) / (n * (n - 1.0))
        })
        .sum::<f64>()
        / rated.len() as f64;
    let ups: f64 = rated.iter().map(|(u, _)| u).sum();
    let all: f64 = rated.iter().map(|(u, d)| u + d).sum();
    let p_up = ups / all;
    let chance = p_up * p_up + (1.0 - p_up) * (1.0 - p_up);
    (chance < 1.0).then(|| (observed - chance) / (1.0 - chance))
}

/// Labels per minute from the times (Unix seconds) labels were given: a gap
/// over five minutes is a break; a lone label counts as one minute.
pub fn labels_per_minute(times: &[i64]) -> f64 {
    if times.is_empty() {
        return 0.0;
    }
    let mut t = times.to_vec();
    t.sort_unstable();
    let worked: i64 = t
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|&gap| gap <= 300)
        .sum();
    t.len() as f64 / (worked as f64 / 60.0).max(1.0)
}

/// The report from every label in effect and, per analyst, the times they
/// labelled.
pub fn report(votes: &[Vote], times: &HashMap<String, Vec<i64>>) -> AgreementReport {
    let mut by_candidate: BTreeMap<i64, Vec<&Vote>> = BTreeMap::new();
    for v in votes {
        by_candidate.entry(v.generation_id).or_default().push(v);
    }
    let shared: Vec<(&i64, &Vec<&Vote>)> = by_candidate
        .iter()
        .filter(|(_, vs)| vs.len() >= 2)
        .collect();
    let mut names: Vec<&str> = votes.iter().map(|v| v.analyst.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let analysts = names
        .iter()
        .map(|&name| {
            let mine: Vec<&Vote> = votes.iter().filter(|v| v.analyst == name).collect();
            let ups = mine.iter().filter(|v| v.up).count();
            let (mut agree, mut others, mut with_others) = (0usize, 0usize, 0usize);
            for (_, vs) in &shared {
                let Some(me) = vs.iter().find(|v| v.analyst == name) else {
                    continue;
                };
                with_others += 1;
                for o in vs.iter().filter(|v| v.analyst != name) {
                    others += 1;
                    agree += usize::from(o.up == me.up);
                }
            }
            AnalystFigures {
                analyst: name.to_string(),
                labels: mine.len(),
                up_rate: if mine.is_empty() {
                    0.0
                } else {
                    ups as f64 / mine.len() as f64
                },
                labels_per_minute: labels_per_minute(
                    times.get(name).map(Vec::as_slice).unwrap_or(&[]),
                ),
                shared: with_others,
                agreement_with_others: (others > 0).then(|| agree as f64 / others as f64),
            }
        })
        .collect();
    let raters: std::collections::HashSet<&str> = shared
        .iter()
        .flat_map(|(_, vs)| vs.iter().map(|v| v.analyst.as_str()))
        .collect();
    let (kappa_kind, kappa) = match raters.len() {
        0 | 1 => (None, None),
        2 => {
            let mut two: Vec<&str> = raters.into_iter().collect();
            two.sort_unstable();
            let pairs: Vec<(bool, bool)> = shared
                .iter()
                .filter_map(|(_, vs)| {
                    let a = vs.iter().find(|v| v.analyst == two[0])?;
                    let b = vs.iter().find(|v| v.analyst == two[1])?;
                    Some((a.up, b.up))
                })
                .collect();
            (Some("cohen"), cohen_kappa(&pairs))
        }
        _ => {
            let items: Vec<(usize, usize)> = shared
                .iter()
                .map(|(_, vs)| {
                    let ups = vs.iter().filter(|v| v.up).count();
                    (ups, vs.len() - ups)
                })
                .collect();
            (Some("fleiss"), fleiss_kappa(&items))
        }
    };
    let disagreements = shared
        .iter()
        .rev()
        .filter(|(_, vs)| vs.iter().any(|v| v.up) && vs.iter().any(|v| !v.up))
        .map(|&(&id, vs)| {
            let who = |up: bool| {
                let mut w: Vec<String> = vs
                    .iter()
                    .filter(|v| v.up == up)
                    .map(|v| v.analyst.clone())
                    .collect();
                w.sort();
                w
            };
            Disagreement {
                generation_id: id,
                user_id: vs[0].user_id.clone(),
                product_id: vs[0].product_id.clone(),
                text: vs[0].text.clone(),
                up: who(true),
                down: who(false),
            }
        })
        .collect();
    AgreementReport {
        analysts,
        shared_candidates: shared.len(),
        kappa_kind,
        kappa,
        disagreements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohen_kappa_matches_the_hand_computed_value() {
        // A: U U U U U D D D D D; B: U U U D D D D D D U.
        // p_o = 7/10; p_e = 0.5·0.4 + 0.5·0.6 = 0.5; κ = 0.2 / 0.5 = 0.4.
        let a = [
            true, true, true, true, true, false, false, false, false, false,
        ];
        let b = [
            true, true, true, false, false, false, false, false, false, true,
        ];
        let pairs: Vec<(bool, bool)> = a.into_iter().zip(b).collect();
        assert!((cohen_kappa(&pairs).unwrap() - 0.4).abs() < 1e-12);
        // Perfect agreement is 1; both always up leaves nothing to chance.
        assert_eq!(cohen_kappa(&[(true, true), (false, false)]), Some(1.0));
        assert_eq!(cohen_kappa(&[(true, true), (true, true)]), None);
        assert_eq!(cohen_kappa(&[]), None);
    }

    #[test]
    fn fleiss_kappa_matches_the_hand_computed_value() {
        // Three raters, four items: (3,0), (2,1), (0,3), (1,2).
        // P_i = 1, 1/3, 1, 1/3, so P̄ = 2/3; p_up = 6/12, P_e = 1/2;
        // κ = (2/3 − 1/2) / (1/2) = 1/3.
        let k = fleiss_kappa(&[(3, 0), (2, 1), (0, 3), (1, 2)]).unwrap();
        assert!((k - 1.0 / 3.0).abs() < 1e-12, "{k}");
        // A candidate one analyst labelled is not compared.
        assert_eq!(fleiss_kappa(&[(1, 0)]), None);
    }

    fn vote(id: i64, who: &str, up: bool) -> Vote {
        Vote {
            generation_id: id,
            analyst: who.into(),
            up,
            user_id: "u1".into(),
            product_id: "p1".into(),
            text: format!("Candidate {id}."),
        }
    }

    #[test]
    fn the_report_names_each_analyst_the_kappa_and_the_disagreements() {
        let votes = vec![
            vote(1, "ann", true),
            vote(1, "bob", true),
            vote(2, "ann", true),
            vote(2, "bob", false),
            vote(3, "ann", false),
            vote(3, "bob", false),
            vote(4, "ann", true),
        ];
        let times = HashMap::from([
            ("ann".to_string(), vec![0, 30, 60, 90]),
            ("bob".to_string(), vec![0, 10_000, 10_060]),
        ]);
        let r = report(&votes, &times);
        assert_eq!(r.shared_candidates, 3);
        assert_eq!(r.kappa_kind, Some("cohen"));
        // p_o = 2/3; ann up 2/3, bob up 1/3: p_e = 2/9 + 2/9 = 4/9;
        // κ = (6/9 − 4/9) / (5/9) = 0.4.
        assert!((r.kappa.unwrap() - 0.4).abs() < 1e-12, "{r:?}");
        assert_eq!(
            r.disagreements,
            [Disagreement {
                generation_id: 2,
                user_id: "u1".into(),
                product_id: "p1".into(),
                text: "Candidate 2.".into(),
                up: vec!["ann".into()],
                down: vec!["bob".into()],
            }]
        );
        let ann = &r.analysts[0];
        assert_eq!(
            (ann.analyst.as_str(), ann.labels, ann.shared),
            ("ann", 4, 3)
        );
        assert_eq!(ann.up_rate, 0.75);
        assert!((ann.agreement_with_others.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        // Four labels in 90 s of work: 1.5 minutes, so 2.7 a minute.
        assert!((ann.labels_per_minute - 4.0 / 1.5).abs() < 1e-12);
        // bob's break is not work: 3 labels in one minute.
        assert!((r.analysts[1].labels_per_minute - 3.0).abs() < 1e-12);

        // A third analyst: Fleiss' κ.
        let mut more = votes.clone();
        more.push(vote(1, "cy", false));
        let r = report(&more, &times);
        assert_eq!(r.kappa_kind, Some("fleiss"));
        assert!(r.kappa.is_some());
        assert_eq!(r.disagreements.len(), 2);
        assert_eq!(r.disagreements[0].generation_id, 2, "newest first");
        // One analyst alone: nothing to compare.
        let r = report(&votes[6..], &times);
        assert_eq!(
            (r.kappa_kind, r.kappa, r.shared_candidates),
            (None, None, 0)
        );
    }
}
