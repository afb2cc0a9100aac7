//! The region: its member councils and the framework they report against
//! (themes, measures and each measure's proxy in every financial year); in
//! a v2 region also the local frameworks some councils report in, and the
//! crosswalk from their measures onto the regional ones.

use super::frameworks::{FRAMEWORK_DEFS, LocalMeasureDef, REGIONAL, REGIONAL_RECORD_ONLY, council_framework, local_measures, local_themes, mapping_note};
use super::tables::{CouncilDef, FIRST_FY, LANCS_COUNCILS, LAST_FY, LCR_COUNCILS, MEASURES, PROXY_UPLIFT_BP, THEMES, YEARS};
use crate::dataset::{CouncilRow, Dataset, FrameworkRow, MappingRow, MeasureRow, ProxyRow, ThemeRow, Version};
use crate::domain::Money;

/// The member councils of a region of `count`: the first of Liverpool City
/// Region's, or all of Lancashire's.
pub(super) fn councils(count: usize) -> &'static [CouncilDef] {
    if count <= LCR_COUNCILS.len() { &LCR_COUNCILS[..count] } else { &LANCS_COUNCILS }
}

/// The framework a council reports in: in a v1 region, `REGIONAL`.
pub(super) fn framework_of(council: &CouncilDef, version: Version) -> &'static str {
    match version {
        Version::V1 => REGIONAL,
        Version::V2 => council_framework(council.code),
    }
}

/// `REGIONAL` and the frameworks `councils` report in, in `FRAMEWORK_DEFS` order.
pub(super) fn frameworks_used(councils: &[CouncilDef], version: Version) -> Vec<&'static str> {
    FRAMEWORK_DEFS.iter().map(|f| f.0).filter(|&f| f == REGIONAL || councils.iter().any(|c| framework_of(c, version) == f)).collect()
}

/// A dataset holding the region's councils and frameworks only (no records).
pub(super) fn framework(councils: &[CouncilDef], proxies: &Proxies, version: Version) -> Dataset {
    let proxies = MEASURES
        .iter()
        .zip(&proxies.0)
        .flat_map(|(m, values)| {
            (FIRST_FY..=LAST_FY).zip(values).map(|(fy, v)| ProxyRow {
                measure_code: m.code.into(),
                financial_year: fy.to_string(),
                value_gbp: Money::from_scaled(*v).to_string(),
            })
        })
        .collect();
    let mut ds = Dataset { version, proxies, ..Dataset::default() };
    // a v1 region's v2 cells stay empty: the writer leaves them out
    let v2 = |text: &str| if version == Version::V2 { text.to_owned() } else { String::new() };
    ds.councils = councils
        .iter()
        .map(|c| CouncilRow { code: c.code.into(), name: c.name.into(), gss_code: c.gss.into(), framework_code: v2(framework_of(c, version)) })
        .collect();
    ds.themes = THEMES.iter().map(|(code, name)| ThemeRow { code: (*code).into(), name: (*name).into(), framework_code: v2(REGIONAL) }).collect();
    ds.measures = MEASURES
        .iter()
        .map(|m| MeasureRow {
            code: m.code.into(),
            theme_code: m.theme().into(),
            name: m.name.into(),
            unit: m.unit.into(),
            framework_code: v2(REGIONAL),
            valued: v2("true"),
        })
        .collect();
    if version == Version::V2 {
        add_frameworks(&mut ds, &frameworks_used(councils, version));
    }
    ds
}

/// A v2 region's frameworks, the regional record-only measures, and the
/// themes, measures and mappings of each local framework of `used`.
fn add_frameworks(ds: &mut Dataset, used: &[&'static str]) {
    ds.frameworks = FRAMEWORK_DEFS
        .iter()
        .filter(|f| used.contains(&f.0))
        .map(|&(code, name, edition)| FrameworkRow { code: code.into(), name: name.into(), edition: edition.into() })
        .collect();
    ds.measures.extend(REGIONAL_RECORD_ONLY.iter().map(|m| measure_row(REGIONAL, m)));
    for &fw in used.iter().filter(|&&f| f != REGIONAL) {
        ds.themes.extend(local_themes(fw).iter().map(|(code, name)| ThemeRow { code: (*code).into(), name: (*name).into(), framework_code: fw.into() }));
        for m in local_measures(fw) {
            ds.measures.push(measure_row(fw, m));
            if let Some((regional, factor)) = m.mapping {
                ds.mappings.push(MappingRow {
                    framework_code: fw.into(),
                    measure_code: m.code.into(),
                    regional_measure_code: regional.into(),
                    factor: factor.into(),
                    note: mapping_note(fw, m.code, factor).into(),
                });
            }
        }
    }
}

fn measure_row(framework: &str, m: &LocalMeasureDef) -> MeasureRow {
    MeasureRow {
        code: m.code.into(),
        theme_code: m.theme.into(),
        name: m.name.into(),
        unit: m.unit.into(),
        framework_code: framework.into(),
        valued: m.valued.to_string(),
    }
}

/// Proxies in hundredths of £, indexed `[measure][fy - FIRST_FY]`: integer
/// arithmetic only, so every value is exact. Regional measures with proxies
/// only: a v2 region values other measures through the crosswalk.
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
