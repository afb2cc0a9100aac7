//! How a record counts in the region, in SQL: the crosswalk as a derived
//! table, and each figure of a commitment `c` or an evidence record `e` in
//! regional terms. The cells (`cells`) and the reads from the records
//! (`sql`) both use these, so the two can never value a record differently.
//!
//! A record counts as its measure's regional measure (itself in the
//! regional framework, its mapping's regional measure in another, -1 when
//! unmapped), in regional units (× the factor, 1 when unmapped), and is
//! valued at the regional measure's proxy when its measure and the regional
//! one are both valued and the proxy exists; otherwise it counts £0.
//! Quantities come out in millionths of a regional unit and values in
//! 10^-8 of a pound; see `domain::RegionalQuantity` and `SocialValue`.

use crate::service::framework::REGIONAL_ID;

/// The crosswalk by reported measure, as `b`: the regional measure and its
/// theme (-1 when unmapped), the factor in ten-thousandths, and whether
/// records on it are valued (1) or count £0 (0).
pub(super) fn basis() -> String {
    format!(
        "(SELECT m.id AS reported_measure_id,
            CASE WHEN m.framework_id = {REGIONAL_ID} THEN m.id ELSE COALESCE(x.regional_measure_id, -1) END AS measure_id,
            CASE WHEN m.framework_id = {REGIONAL_ID} THEN m.theme_id ELSE COALESCE(r.theme_id, -1) END AS theme_id,
            CASE WHEN m.framework_id = {REGIONAL_ID} THEN 10000 ELSE COALESCE(x.factor_e4, 10000) END AS factor_e4,
            CASE WHEN m.valued AND (m.framework_id = {REGIONAL_ID} OR r.valued) THEN 1 ELSE 0 END AS valued
         FROM measure m LEFT JOIN measure_mapping x ON x.measure_id = m.id LEFT JOIN measure r ON r.id = x.regional_measure_id) b"
    )
}

/// The joins that value a commitment `c`: its basis `b` and the regional
/// proxy `pc` of its year.
pub(super) fn commitment_joins() -> String {
    format!(" JOIN {} ON b.reported_measure_id = c.measure_id{PC}", basis())
}

const PC: &str = " LEFT JOIN proxy pc ON pc.measure_id = b.measure_id AND pc.financial_year = c.financial_year";

/// With `commitment_joins`, the regional proxy `pe` of an evidence record `e`'s year.
pub(super) const EVIDENCE_PROXY_JOIN: &str = " LEFT JOIN proxy pe ON pe.measure_id = b.measure_id AND pe.financial_year = e.financial_year";

/// 1 for a commitment that counts £0 (unmapped, record-only, or no regional proxy for its year).
pub(super) const UNVALUED: &str = "CASE WHEN b.valued = 1 AND pc.value_pence IS NOT NULL THEN 0 ELSE 1 END";
/// A commitment's target in regional units (millionths).
pub(super) const COMMITTED_QUANTITY: &str = "c.target_centi * b.factor_e4";
/// The proxy (pence) its regional quantity is valued at: 0 when unvalued.
pub(super) const COMMITTED_PROXY: &str = "CASE WHEN b.valued = 1 THEN COALESCE(pc.value_pence, 0) ELSE 0 END";

/// Delivered (not rejected) and verified (validated) quantities of evidence, in regional millionths.
pub(super) const DELIVERED_QUANTITY: &str = "CASE WHEN e.status <> 'REJECTED' THEN e.quantity_centi * b.factor_e4 ELSE 0 END";
pub(super) const VERIFIED_QUANTITY: &str = "CASE WHEN e.status = 'VERIFIED' THEN COALESCE(e.validated_centi, e.quantity_centi) * b.factor_e4 ELSE 0 END";
/// Delivered quantity in the units reported, for a commitment's own figures.
pub(super) const DELIVERED_CENTI: &str = "CASE WHEN e.status <> 'REJECTED' THEN e.quantity_centi ELSE 0 END";
/// The proxy (pence) evidence is valued at: its own year's, when its commitment is valued.
pub(super) const EVIDENCE_PROXY: &str = "CASE WHEN b.valued = 1 AND pc.value_pence IS NOT NULL THEN COALESCE(pe.value_pence, 0) ELSE 0 END";

/// A commitment's target and evidence's delivered quantity in the units
/// reported, on the regional quantities' scale (× 10^4), for groups of one
/// reported measure.
pub(super) const REPORTED_TARGET: &str = "c.target_centi * 10000";
pub(super) const REPORTED_DELIVERED: &str = "CASE WHEN e.status <> 'REJECTED' THEN e.quantity_centi * 10000 ELSE 0 END";
