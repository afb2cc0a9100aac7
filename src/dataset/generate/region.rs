//! The region: its member councils and the framework they report against
//! (themes, measures and each measure's proxy in every financial year).

use super::tables::{CouncilDef, FIRST_FY, LANCS_COUNCILS, LAST_FY, LCR_COUNCILS, MEASURES, PROXY_UPLIFT_BP, THEMES, YEARS};
use crate::dataset::{CouncilRow, Dataset, MeasureRow, ProxyRow, ThemeRow};
use crate::domain::Money;

/// The member councils of a region of `count`: the first of Liverpool City
/// Region's, or all of Lancashire's.
pub(super) fn councils(count: usize) -> &'static [CouncilDef] {
    if count <= LCR_COUNCILS.len() { &LCR_COUNCILS[..count] } else { &LANCS_COUNCILS }
}

/// A dataset holding the region's councils and framework only (no records).
pub(super) fn framework(councils: &[CouncilDef], proxies: &Proxies) -> Dataset {
    Dataset {
        councils: councils
            .iter()
            .map(|c| CouncilRow { code: c.code.into(), name: c.name.into(), gss_code: c.gss.into(), framework_code: String::new() })
            .collect(),
        themes: THEMES.iter().map(|(code, name)| ThemeRow { code: (*code).into(), name: (*name).into(), framework_code: String::new() }).collect(),
        measures: MEASURES
            .iter()
            .map(|m| MeasureRow {
                code: m.code.into(),
                theme_code: m.theme().into(),
                name: m.name.into(),
                unit: m.unit.into(),
                framework_code: String::new(),
                valued: String::new(),
            })
            .collect(),
        proxies: MEASURES
            .iter()
            .zip(&proxies.0)
            .flat_map(|(m, values)| {
                (FIRST_FY..=LAST_FY).zip(values).map(|(fy, v)| ProxyRow {
                    measure_code: m.code.into(),
                    financial_year: fy.to_string(),
                    value_gbp: Money::from_scaled(*v).to_string(),
                })
            })
            .collect(),
        ..Dataset::default()
    }
}

/// Proxies in hundredths of £, indexed `[measure][fy - FIRST_FY]`: integer
/// arithmetic only, so every value is exact.
pub(super) struct Proxies(Vec<[i64; YEARS]>);

impl Proxies {
    pub fn new() -> Proxies {
        Proxies(
            MEASURES
                .iter()
                .enumerate()
                .map(|(i, m)| m.proxy_2022.map_or([100; YEARS], |base| uplifted(i, Money::parse(base).expect("a proxy literal").scaled())))
                .collect(),
        )
    }

    /// The proxy of measure `measure` (its index in `MEASURES`) in year `fy`.
    pub fn get(&self, measure: usize, fy: i32) -> i64 {
        self.0[measure][(fy - FIRST_FY) as usize]
    }
}

/// Measure `i`'s proxy in each year from its 2022 value.
fn uplifted(i: usize, base: i64) -> [i64; YEARS] {
    let mut v = base;
    let mut out = [0; YEARS];
    for (k, slot) in out.iter_mut().enumerate() {
        *slot = v;
        if let Some(uplift) = PROXY_UPLIFT_BP.get(k) {
            // per-measure variation of the uplift: -60..+60 bp, deterministic from the index
            let bp = uplift + ((i as i64 * 37 + k as i64 * 11) % 121) - 60;
            v = ((v * (10000 + bp) + 5000) / 10000).max(1);
        }
    }
    out
}
