//! What a contract's commitments are drawn from: the measures of its
//! framework, each with its weight, quantity step, £ flag and how its
//! targets are sized (the Python's `FrameworkPlan`). A v1 region has one
//! plan, the v1 measures; a v2 region adds the regional record-only measures
//! and a plan for each local framework its councils report in.

use super::frameworks::{LocalMeasureDef, REGIONAL, REGIONAL_RECORD_ONLY, Sizing, local_measures};
use super::mt19937::cumulative;
use super::tables::{MEASURES, theme_weight};
use crate::dataset::Version;
use crate::domain::{Money, Quantity};

/// One framework's measures, in `measures.csv` order.
pub(super) struct FrameworkPlan {
    pub code: &'static str,
    pub measures: Vec<PlanMeasure>,
    /// cumulative weight of each measure, to draw one from
    pub weights: Vec<f64>,
}

pub(super) struct PlanMeasure {
    pub code: &'static str,
    /// quantity step in hundredths of a unit
    pub step: i64,
    /// a £ unit: quantities with exactly 2 decimal places
    pub money: bool,
    pub target: Target,
}

/// How a commitment's target is sized from its contract's value.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    /// by the proxy of regional measure `measure` (its index in `MEASURES`):
    /// one reported unit is worth `factor` regional units (1 for a regional measure)
    Proxy { measure: usize, factor: f64 },
    /// a percentage, 60..100 in 0.5 steps
    Pct,
    /// notional hundredths of £ per unit
    Notional(i64),
}

impl PlanMeasure {
    /// Quantity text: £ units always with 2 dp, others with up to 2 dp.
    pub fn fmt_quantity(&self, hundredths: i64) -> String {
        if self.money { Money::from_scaled(hundredths).to_string() } else { Quantity::from_scaled(hundredths).to_shortest_string() }
    }
}

impl FrameworkPlan {
    fn new(code: &'static str, measures: impl IntoIterator<Item = (PlanMeasure, f64)>) -> FrameworkPlan {
        let (measures, weights): (Vec<PlanMeasure>, Vec<f64>) = measures.into_iter().unzip();
        FrameworkPlan { code, measures, weights: cumulative(weights) }
    }
}

/// The plans of a region of `version` whose councils report in `frameworks`
/// (`REGIONAL` first).
pub(super) fn plans(version: Version, frameworks: &[&'static str]) -> Vec<FrameworkPlan> {
    let v1 = MEASURES.iter().enumerate().map(|(i, m)| {
        let pm = PlanMeasure { code: m.code, step: m.step, money: m.is_money(), target: Target::Proxy { measure: i, factor: 1.0 } };
        (pm, theme_weight(m.theme()))
    });
    if version == Version::V1 {
        return vec![FrameworkPlan::new(REGIONAL, v1)];
    }
    let regional = FrameworkPlan::new(REGIONAL, v1.chain(REGIONAL_RECORD_ONLY.iter().map(local)));
    let locals = frameworks.iter().filter(|&&f| f != REGIONAL).map(|&f| FrameworkPlan::new(f, local_measures(f).iter().map(local)));
    std::iter::once(regional).chain(locals).collect()
}

/// A measure that v1 does not have, with its weight.
fn local(m: &'static LocalMeasureDef) -> (PlanMeasure, f64) {
    let target = match m.sizing {
        Sizing::Mapped => {
            let (regional, factor) = m.mapping.expect("a measure sized through its mapping is mapped");
            let measure = MEASURES.iter().position(|r| r.code == regional).expect("mapped onto a measure with proxies");
            Target::Proxy { measure, factor: factor.parse().expect("a factor literal") }
        }
        Sizing::Pct => Target::Pct,
        Sizing::Notional(hundredths) => Target::Notional(hundredths),
    };
    (PlanMeasure { code: m.code, step: m.step, money: m.money, target }, m.weight)
}
