//! The region's suppliers (~1 per 8 contracts), drawn from their own stream:
//! where each is based, what kind of organisation it is and its name, and the
//! pool that contracts draw their supplier from.

use std::collections::HashSet;

use super::mt19937::{Rng, cumulative};
use super::tables::{CouncilDef, NATIONAL, OUTSIDE_DISTRICTS, PLACES, POSTCODE_LETTERS, SOLE_TRADER_INITIALS, SURNAMES, TRADES, VCSE_NOUNS};
use crate::dataset::SupplierRow;

/// The supplier rows of a region with `contracts` contracts, and the pool
/// its contracts draw them from.
pub(super) fn generate(seed: u64, contracts: usize, councils: &[CouncilDef]) -> (Vec<SupplierRow>, SupplierPool) {
    let n = 4.max((contracts as f64 / 8.0).round() as usize);
    let mut rng = Rng::new(seed, "suppliers");
    let mut registry = Registry::default();
    let mut rows = Vec::with_capacity(n);
    let mut homes = Vec::with_capacity(n);
    for i in 0..n {
        let (row, home) = supplier(&mut rng, &mut registry, i, councils);
        rows.push(row);
        homes.push(home);
    }
    (rows, SupplierPool::new(&homes, councils.len()))
}

/// Supplier `i`'s row, and its home council index (`None` = outside the region).
fn supplier(rng: &mut Rng, registry: &mut Registry, i: usize, councils: &[CouncilDef]) -> (SupplierRow, Option<usize>) {
    let (home, district) = if rng.random() < 0.80 {
        let h = rng.below(councils.len());
        (Some(h), *rng.pick(councils[h].districts))
    } else {
        (None, *rng.pick(OUTSIDE_DISTRICTS))
    };
    let kind = rng.random();
    let place = *rng.pick(PLACES);
    let home_area = home.map(|h| council_area(councils[h].name));
    let org = organisation(rng, registry, home_area, kind, place);
    let postcode = format!("{district} {}{}{}", rng.between(1, 9), *rng.pick(POSTCODE_LETTERS) as char, *rng.pick(POSTCODE_LETTERS) as char);
    let row = SupplierRow {
        r#ref: format!("SUP-{:05}", i + 1),
        name: org.name,
        companies_house_number: org.companies_house_number,
        postcode,
        is_sme: org.sme.to_string(),
        is_vcse: org.vcse.to_string(),
    };
    (row, home)
}

/// Who a supplier is: its name, Companies House number (empty if it has
/// none) and whether it is an SME and a VCSE.
struct Organisation {
    name: String,
    companies_house_number: String,
    sme: bool,
    vcse: bool,
}

/// An organisation of the kind `kind` (a draw in [0, 1)) picks. `home_area`
/// is the area of the supplier's council (`None` outside the region).
fn organisation(rng: &mut Rng, registry: &mut Registry, home_area: Option<&str>, kind: f64, place: &str) -> Organisation {
    if home_area.is_none() && kind < 0.5 {
        national_company(rng, registry)
    } else if kind < 0.12 {
        vcse(rng, registry, home_area.unwrap_or(place), place)
    } else if kind < 0.22 {
        sole_trader(rng)
    } else if kind < 0.30 {
        partnership(rng, registry)
    } else {
        limited_company(rng, registry, place)
    }
}

fn national_company(rng: &mut Rng, registry: &mut Registry) -> Organisation {
    let name = format!("{} {} plc", rng.pick(NATIONAL), rng.pick(TRADES));
    let companies_house_number = registry.number(rng, 0.5);
    Organisation { name, companies_house_number, sme: false, vcse: false }
}

/// A VCSE, named after its council's area or a place.
fn vcse(rng: &mut Rng, registry: &mut Registry, area: &str, place: &str) -> Organisation {
    let noun = *rng.pick(VCSE_NOUNS);
    let name = if rng.random() < 0.5 { format!("{area} {noun}") } else { format!("{place} {noun}") };
    // a CIC is always a company; charities and unincorporated groups mostly are not
    let companies_house_number = if noun.contains("Interest Company") || rng.random() < 0.4 { registry.number(rng, 0.5) } else { String::new() };
    Organisation { name, companies_house_number, sme: true, vcse: true }
}

/// A sole trader: no Companies House number.
fn sole_trader(rng: &mut Rng) -> Organisation {
    let initial = SOLE_TRADER_INITIALS[rng.below(SOLE_TRADER_INITIALS.len())] as char;
    let name = format!("{initial}. {} {}", rng.pick(SURNAMES), rng.pick(TRADES));
    Organisation { name, companies_house_number: String::new(), sme: true, vcse: false }
}

/// A partnership / LLP: a comma in the name, to exercise CSV quoting.
fn partnership(rng: &mut Rng, registry: &mut Registry) -> Organisation {
    let (a, b) = (*rng.pick(SURNAMES), *rng.pick(SURNAMES));
    let name = format!("{a}, {b} & Partners LLP");
    let companies_house_number = registry.number(rng, 0.08);
    Organisation { name, companies_house_number, sme: true, vcse: false }
}

fn limited_company(rng: &mut Rng, registry: &mut Registry, place: &str) -> Organisation {
    let name =
        if rng.random() < 0.35 { format!("{} & Sons {} Ltd", rng.pick(SURNAMES), rng.pick(TRADES)) } else { format!("{place} {} Ltd", rng.pick(TRADES)) };
    let prefix_kind = rng.random();
    let companies_house_number = registry.number(rng, prefix_kind);
    let sme = rng.random() < 0.78;
    Organisation { name, companies_house_number, sme, vcse: false }
}

/// The Companies House numbers given out so far: each supplier's is unique.
#[derive(Default)]
struct Registry {
    used: HashSet<String>,
}

impl Registry {
    /// A new number: SC (Scotland) / OC (LLP) prefixes or 8 digits, as
    /// `prefix_kind` (a draw in [0, 1)) says.
    fn number(&mut self, rng: &mut Rng, prefix_kind: f64) -> String {
        loop {
            let s = if prefix_kind < 0.06 {
                format!("SC{:06}", rng.below(1_000_000))
            } else if prefix_kind < 0.12 {
                format!("OC{:06}", rng.below(1_000_000))
            } else {
                format!("{:08}", rng.between(100_000, 16_999_999))
            };
            if self.used.insert(s.clone()) {
                return s;
            }
        }
    }
}

/// "Knowsley Metropolitan Borough Council" -> "Knowsley" (as the Python's split chain).
fn council_area(name: &str) -> &str {
    [" Borough", " Metropolitan", " City", " Council"].iter().fold(name, |s, sep| s.split(sep).next().unwrap_or(s))
}

/// The suppliers a contract's is drawn from, by popularity: Zipf-like, so a
/// few suppliers hold many contracts.
pub(super) struct SupplierPool {
    /// per home council: (supplier indexes, cumulative popularity)
    by_home: Vec<(Vec<usize>, Vec<f64>)>,
    /// cumulative popularity of every supplier
    all: Vec<f64>,
}

impl SupplierPool {
    fn new(homes: &[Option<usize>], councils: usize) -> SupplierPool {
        let popularity: Vec<f64> = (0..homes.len()).map(|i| 1.0 / ((1 + i % 97) as f64).powf(0.8)).collect();
        let by_home = (0..councils)
            .map(|h| {
                let idx: Vec<usize> = (0..homes.len()).filter(|&i| homes[i] == Some(h)).collect();
                let cum = cumulative(idx.iter().map(|&i| popularity[i]));
                (idx, cum)
            })
            .collect();
        SupplierPool { by_home, all: cumulative(popularity.iter().copied()) }
    }

    /// The supplier (its index) of a contract of council `council`: mostly
    /// local, sometimes anyone in the regional pool.
    pub fn draw(&self, rng: &mut Rng, council: usize) -> usize {
        let local = rng.random() < 0.7;
        let (idx, cum) = &self.by_home[council];
        if local && !idx.is_empty() { idx[rng.weighted(cum)] } else { rng.weighted(&self.all) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn council_areas() {
        assert_eq!(council_area("Knowsley Metropolitan Borough Council"), "Knowsley");
        assert_eq!(council_area("Lancashire County Council"), "Lancashire County");
        assert_eq!(council_area("Wirral Council"), "Wirral");
    }

    #[test]
    fn companies_house_numbers_are_unique() {
        let mut rng = Rng::new(1, "registry");
        let mut registry = Registry::default();
        let numbers: HashSet<String> = (0..500).map(|i| registry.number(&mut rng, [0.01, 0.1, 0.5][i % 3])).collect();
        assert_eq!(numbers.len(), 500);
        assert!(numbers.iter().all(|n| n.len() == 8));
    }
}
