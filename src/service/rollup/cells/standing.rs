//! Where each commitment stands against its target (domain::delivery), kept
//! in `commitment_standing` and summed into the summary cells: its
//! shortfall (committed value less delivered value, never below 0) and,
//! for 1 to 4 ended quarters of its year, whether it is behind.
//!
//! A standing depends on the commitment and all of its evidence, so it is
//! not a sum of records' figures: it is computed afresh, after the write,
//! for each commitment the write could have moved, from the commitment and
//! its delivery (the stored `commitment_delivery` plus this write's change
//! to it). The row stored before is what the cells hold of it, so the
//! difference between the two is what the cells take: no read of the state
//! before the write is needed, and a write costs what its commitments do.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::ConnectionTrait;

use super::scope::Records;
use super::sums::{Sums, add, at, groupings, read, read_key, rows};
use super::{DELIVERY, SUMMARY, exec, ids};
use crate::domain::Standing;
use crate::error::AppResult;
use crate::service::rollup::valuation::{COMMITTED_PROXY, COMMITTED_QUANTITY, commitment_joins};
use crate::service::split_sum::{self, Columns};

/// A stored standing: its cell key, progress, behind_from and shortfall parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    key: [i32; 5],
    progress: i32,
    behind_from: i32,
    shortfall: [i64; 3],
}

impl Row {
    /// What it adds to each of its cells: the four behind counts, then the shortfall's parts.
    fn add_to(&self, sums: &mut Sums, sign: i64) {
        let (behind, shortfall) = (at(&SUMMARY, "behind_1"), at(&SUMMARY, "shortfall_value"));
        let counts: Vec<i64> = (1..=4).map(|q| i64::from(q >= self.behind_from)).collect();
        for cell in groupings(self.key[0], self.key[1], self.key[2], self.key[3], self.key[4]) {
            let sums = sums.summary.entry(cell).or_insert([0; super::sums::SUMMARY_WIDTH]);
            add(&mut sums[behind..behind + 4], &counts, sign);
            add(&mut sums[shortfall..shortfall + 3], &self.shortfall, sign);
        }
    }

    fn values(&self, id: i32) -> Vec<i64> {
        let mut v: Vec<i64> = std::iter::once(id).chain(self.key).chain([self.progress, self.behind_from]).map(i64::from).collect();
        v.extend(self.shortfall);
        v
    }
}

const COLUMNS: &str = "commitment_id, supplier_id, council_id, theme_id, measure_id, financial_year, progress, behind_from, shortfall_value_p2, shortfall_value_p1, shortfall_value_p0";

/// Brings the standing of every commitment `records` can have moved up to
/// date, and adds the difference onto `sums`, whose delivery is this write's.
pub(super) async fn update(db: &impl ConnectionTrait, records: &Records, sums: &mut Sums) -> AppResult<()> {
    let commitments: BTreeSet<i32> = records.commitments.union(&records.standing).copied().collect();
    if commitments.is_empty() && records.councils.is_empty() {
        return Ok(());
    }
    // The commitments named, and every commitment of the councils named (a rebuild), by their id column.
    let which = |id: &str| {
        let mut terms = Vec::new();
        if !commitments.is_empty() {
            terms.push(format!("{id} IN ({})", ids(&commitments)));
        }
        if !records.councils.is_empty() {
            terms.push(format!("c.council_id IN ({})", ids(&records.councils)));
        }
        terms.join(" OR ")
    };
    let before = stored(db, &which("c.commitment_id")).await?;
    let after = computed(db, &which("c.id"), sums).await?;

    let mut write: Vec<Vec<i64>> = Vec::new();
    for (id, row) in &after {
        if before.get(id) != Some(row) {
            write.push(row.values(*id));
        }
    }
    let gone: Vec<Vec<i64>> = before.keys().filter(|id| !after.contains_key(id)).map(|id| vec![i64::from(*id)]).collect();
    for (id, row) in &before {
        if after.get(id) != Some(row) {
            row.add_to(sums, -1);
        }
    }
    for (id, row) in &after {
        if before.get(id) != Some(row) {
            row.add_to(sums, 1);
        }
    }
    let backend = db.get_database_backend();
    for chunk in write.chunks(1000) {
        let updates: Vec<String> = COLUMNS.split(", ").skip(1).map(|c| format!("{c} = excluded.{c}")).collect();
        exec(
            db,
            &format!(
                "INSERT INTO commitment_standing ({COLUMNS}) {} ON CONFLICT (commitment_id) DO UPDATE SET {}",
                super::store::rows_sql(backend, 11, 8, chunk),
                updates.join(", ")
            ),
        )
        .await?;
    }
    for chunk in gone.chunks(1000) {
        let list: Vec<String> = chunk.iter().map(|r| r[0].to_string()).collect();
        exec(db, &format!("DELETE FROM commitment_standing WHERE commitment_id IN ({})", list.join(", "))).await?;
    }
    Ok(())
}

async fn stored(db: &impl ConnectionTrait, which: &str) -> AppResult<BTreeMap<i32, Row>> {
    let sql = format!("SELECT {COLUMNS} FROM commitment_standing c WHERE {which}");
    let mut out = BTreeMap::new();
    for row in rows(db, sql).await? {
        let mut columns = Columns::new(&row);
        let id = columns.int32()?;
        let key = read_key(&mut columns)?;
        let (progress, behind_from) = (columns.int32()?, columns.int32()?);
        let s = read(&mut columns, 3)?;
        out.insert(id, Row { key, progress, behind_from, shortfall: [s[0], s[1], s[2]] });
    }
    Ok(out)
}

/// The standing of each live commitment `which` names, as it is after this
/// write: its committed value from the commitment, its delivery from
/// `commitment_delivery` as stored plus this write's change to it.
async fn computed(db: &impl ConnectionTrait, which: &str, sums: &Sums) -> AppResult<BTreeMap<i32, Row>> {
    let sql = format!(
        "SELECT c.id, k.supplier_id, k.council_id, b.theme_id, b.measure_id, c.financial_year, c.target_centi, {committed}, {delivery}
         FROM contract k JOIN commitment c ON c.contract_id = k.id{joins} LEFT JOIN commitment_delivery d ON d.commitment_id = c.id
         WHERE c.deleted = FALSE AND ({which})",
        committed = split_sum::product(COMMITTED_QUANTITY, COMMITTED_PROXY, "committed_value"),
        delivery = DELIVERY.columns().iter().map(|c| format!("d.{c}")).collect::<Vec<_>>().join(", "),
        joins = commitment_joins(),
    );
    let (centi, value) = (at(&DELIVERY, "delivered_centi"), at(&DELIVERY, "delivered_value"));
    let mut out = BTreeMap::new();
    for row in rows(db, sql).await? {
        let mut columns = Columns::new(&row);
        let id = columns.int32()?;
        let key = read_key(&mut columns)?;
        let target = columns.count()?;
        let committed = columns.figure("committed_value")?;
        let mut delivery = read(&mut columns, DELIVERY.columns().len())?;
        if let Some(change) = sums.delivery.get(&id) {
            add(&mut delivery, change, 1);
        }
        let delivered_centi = split_sum::join(&delivery[centi..centi + 2]);
        let delivered_value = split_sum::join(&delivery[value..value + 3]);
        let standing = Standing::of(target, delivered_centi);
        let p = split_sum::split_value((committed - delivered_value).max(0), "shortfall_value");
        out.insert(id, Row { key, progress: standing.progress as i32, behind_from: i32::from(standing.behind_from), shortfall: [p[0], p[1], p[2]] });
    }
    Ok(out)
}
