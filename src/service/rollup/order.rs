//! The order of a rollup's groups (contract v2, "Rollups: order and top N"):
//! by metrics when asked, then in key order, which is each grouped
//! dimension in the order given, ascending by its code, null keys last.

use std::cmp::Ordering;

use super::figures::{Figure, Figures, GroupKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    CommittedValue,
    DeliveredValue,
    VerifiedValue,
    ContractValue,
    ShortfallValue,
    CommitmentCount,
    EvidenceCount,
    DeliveryRate,
}

impl Metric {
    /// The figures it is computed from.
    pub fn figures(self) -> &'static [Figure] {
        match self {
            Metric::CommittedValue => &[Figure::CommittedValue],
            Metric::DeliveredValue => &[Figure::DeliveredValue],
            Metric::VerifiedValue => &[Figure::VerifiedValue],
            Metric::ContractValue => &[Figure::ContractValue],
            Metric::ShortfallValue => &[Figure::ShortfallValue],
            Metric::CommitmentCount | Metric::EvidenceCount => &[],
            Metric::DeliveryRate => &[Figure::DeliveredValue, Figure::CommittedValue],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub metric: Metric,
    pub descending: bool,
}

/// A metric's value as it sorts. Money is compared exactly, in its own
/// scale; a delivery rate (a ratio, a Float in the API) as the ratio the
/// client sees, and a rate that does not exist sorts last either way.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Value {
    Exact(i128),
    Rate(Option<f64>),
}

fn value(m: &Figures, metric: Metric) -> Value {
    match metric {
        Metric::CommittedValue => Value::Exact(m.committed_value.scaled()),
        Metric::DeliveredValue => Value::Exact(m.delivered_value.scaled()),
        Metric::VerifiedValue => Value::Exact(m.verified_value.scaled()),
        Metric::ContractValue => Value::Exact(m.contract_value.scaled()),
        Metric::ShortfallValue => Value::Exact(m.shortfall_value.scaled()),
        Metric::CommitmentCount => Value::Exact(i128::from(m.commitment_count)),
        Metric::EvidenceCount => Value::Exact(i128::from(m.evidence_count)),
        Metric::DeliveryRate => {
            let (d, c) = (m.delivered_value.scaled(), m.committed_value.scaled());
            Value::Rate((c != 0).then(|| d as f64 / c as f64))
        }
    }
}

fn compare(a: Value, b: Value, descending: bool) -> Ordering {
    let directed = |o: Ordering| if descending { o.reverse() } else { o };
    match (a, b) {
        (Value::Exact(a), Value::Exact(b)) => directed(a.cmp(&b)),
        (Value::Rate(Some(a)), Value::Rate(Some(b))) => directed(a.total_cmp(&b)),
        (Value::Rate(None), Value::Rate(Some(_))) => Ordering::Greater,
        (Value::Rate(Some(_)), Value::Rate(None)) => Ordering::Less,
        _ => Ordering::Equal,
    }
}

/// Key order: codes compared in turn, a missing one (the group of
/// unmapped records) after every code.
fn compare_codes(a: &[Option<String>], b: &[Option<String>]) -> Ordering {
    for (a, b) in a.iter().zip(b) {
        let o = match (a, b) {
            (Some(a), Some(b)) => a.cmp(b),
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// A group's codes, each dimension grouped by in the order given.
pub type SortKey = Vec<Option<String>>;

/// Keeps only the groups that can be among the first `n` by `orders`:
/// those before the `n`th by the metrics, and every group tied with it,
/// whose order only their codes decide. Without `orders` the codes decide
/// everything, so all stay. It costs a partial sort, and lets a top N read
/// the codes of about N groups rather than of all of them.
pub fn keep_candidates(groups: &mut Vec<(GroupKey, Figures)>, orders: &[Order], n: usize) {
    if orders.is_empty() || groups.len() <= n || n == 0 {
        return;
    }
    let by_metrics = |a: &Figures, b: &Figures| {
        orders.iter().map(|o| compare(value(a, o.metric), value(b, o.metric), o.descending)).find(|o| *o != Ordering::Equal).unwrap_or(Ordering::Equal)
    };
    groups.select_nth_unstable_by(n - 1, |(_, a), (_, b)| by_metrics(a, b));
    let nth = groups[n - 1].1;
    groups.retain(|(_, m)| by_metrics(m, &nth) != Ordering::Greater);
}

/// Sorts `groups` by `orders`, ties (and everything without `orders`) in
/// key order; `codes` gives a group's sort key, each dimension grouped by
/// in the order given (a financial year zero-padded, so that it sorts as a number).
pub fn sort(groups: &mut Vec<(GroupKey, Figures)>, orders: &[Order], codes: impl Fn(&GroupKey) -> SortKey) {
    let mut keyed: Vec<(SortKey, (GroupKey, Figures))> = groups.drain(..).map(|g| (codes(&g.0), g)).collect();
    keyed.sort_by(|(ka, (_, a)), (kb, (_, b))| {
        orders
            .iter()
            .map(|o| compare(value(a, o.metric), value(b, o.metric), o.descending))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or_else(|| compare_codes(ka, kb))
    });
    groups.extend(keyed.into_iter().map(|(_, g)| g));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SocialValue;

    fn group(code: Option<&str>, delivered: i128, committed: i128) -> (GroupKey, Figures, Option<String>) {
        let m = Figures { delivered_value: SocialValue::from_scaled(delivered), committed_value: SocialValue::from_scaled(committed), ..Default::default() };
        (GroupKey::default(), m, code.map(str::to_owned))
    }

    fn sorted(rows: Vec<(GroupKey, Figures, Option<String>)>, orders: &[Order]) -> Vec<Option<String>> {
        let mut groups: Vec<(GroupKey, Figures)> = rows.iter().enumerate().map(|(i, (k, m, _))| (GroupKey { council_id: Some(i as i32), ..*k }, *m)).collect();
        let codes: Vec<Option<String>> = rows.iter().map(|r| r.2.clone()).collect();
        sort(&mut groups, orders, |k| vec![codes[k.council_id.unwrap() as usize].clone()]);
        groups.iter().map(|(k, _)| codes[k.council_id.unwrap() as usize].clone()).collect()
    }

    #[test]
    fn key_order_is_by_code_with_the_null_key_last() {
        let got = sorted(vec![group(None, 0, 0), group(Some("WIR"), 0, 0), group(Some("HAL"), 0, 0)], &[]);
        assert_eq!(got, [Some("HAL".into()), Some("WIR".into()), None]);
    }

    #[test]
    fn the_candidates_of_a_top_n_are_the_first_n_and_every_group_tied_with_the_last() {
        let codes: Vec<Option<String>> = ["A", "B", "C", "D", "E"].iter().map(|c| Some((*c).to_owned())).collect();
        let delivered = [5, 9, 5, 1, 5];
        let all = || -> Vec<(GroupKey, Figures)> {
            delivered
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    (
                        GroupKey { council_id: Some(i as i32), ..Default::default() },
                        Figures { delivered_value: SocialValue::from_scaled(*d), ..Default::default() },
                    )
                })
                .collect()
        };
        let desc = [Order { metric: Metric::DeliveredValue, descending: true }];
        let names = |groups: &[(GroupKey, Figures)]| groups.iter().map(|(k, _)| codes[k.council_id.unwrap() as usize].clone().unwrap()).collect::<Vec<_>>();
        for n in 1..=5 {
            let mut full = all();
            sort(&mut full, &desc, |k| vec![codes[k.council_id.unwrap() as usize].clone()]);
            let mut kept = all();
            keep_candidates(&mut kept, &desc, n);
            sort(&mut kept, &desc, |k| vec![codes[k.council_id.unwrap() as usize].clone()]);
            assert_eq!(names(&kept[..n]), names(&full[..n]), "top {n}");
            // B, then A, C and E tied at 5: the top 2 keeps all four.
            if n == 2 {
                assert_eq!(names(&kept), ["B", "A", "C", "E"]);
            }
        }
    }

    #[test]
    fn metrics_sort_either_way_ties_keep_key_order_and_a_null_rate_is_last() {
        let rows = || vec![group(Some("A"), 5, 10), group(Some("B"), 9, 10), group(Some("C"), 5, 0), group(Some("D"), 5, 10)];
        let desc = [Order { metric: Metric::DeliveredValue, descending: true }];
        assert_eq!(sorted(rows(), &desc), ["B", "A", "C", "D"].map(|s| Some(s.to_owned())));
        let rate = |descending| [Order { metric: Metric::DeliveryRate, descending }];
        assert_eq!(sorted(rows(), &rate(true)), ["B", "A", "D", "C"].map(|s| Some(s.to_owned())));
        assert_eq!(sorted(rows(), &rate(false)), ["A", "D", "B", "C"].map(|s| Some(s.to_owned())));
    }
}
