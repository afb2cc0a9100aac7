//! The fixed data of a v2 region (`generate --frameworks`): the frameworks
//! its councils report in, their themes and measures, how each measure maps
//! onto the regional framework, and the chances behind per-contract
//! frameworks and partial validation. Same tables, in the same order, as
//! the Python generator's v2 part. Names and figures are illustrative, not
//! any published framework's.

/// The regional framework's code: every theme, measure and proxy of a v1 region is its.
pub(super) const REGIONAL: &str = "REGIONAL";

/// code, name, edition (`""` = none). `frameworks.csv` lists `REGIONAL` and
/// those the region's councils report in, in this order.
pub(super) const FRAMEWORK_DEFS: [(&str, &str, &str); 4] = [
    (REGIONAL, "Regional social value framework (illustrative)", "2025"),
    ("LTOMS", "Lancashire TOMs (illustrative)", "2023"),
    ("NT", "National TOMs (illustrative subset)", "2024"),
    ("KSV", "Knowsley social value charter (illustrative)", ""),
];

/// The framework a council of a v2 region reports in: a third of the
/// councils at every scale (tiny: KNO; small: KNO, WIR; medium and large:
/// LANCS, PRE, CHO, BUR, HYN), every other one `REGIONAL`.
pub(super) fn council_framework(council: &str) -> &'static str {
    match council {
        "KNO" => "KSV",
        "WIR" | "BUR" | "HYN" => "NT",
        "LANCS" | "PRE" | "CHO" => "LTOMS",
        _ => REGIONAL,
    }
}

/// How the generator sizes a measure's targets (never written).
#[derive(Debug, Clone, Copy)]
pub(super) enum Sizing {
    /// by the proxy of its regional measure, times the mapping's factor
    Mapped,
    /// a percentage, 60..100 in 0.5 steps
    Pct,
    /// notional hundredths of £ per unit: a measure without a proxy of its own
    Notional(i64),
}

/// A measure of a v2 region that v1 does not have: a record-only regional
/// measure or a measure of a local framework.
pub(super) struct LocalMeasureDef {
    pub code: &'static str,
    pub theme: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    /// quantity step in hundredths of a unit
    pub step: i64,
    /// a £ unit: quantities with exactly 2 decimal places
    pub money: bool,
    /// the regional measure and the factor as `mappings.csv` writes it;
    /// `None` for an unmapped measure (and a regional one)
    pub mapping: Option<(&'static str, &'static str)>,
    pub valued: bool,
    /// relative weight when drawing a commitment's measure
    pub weight: f64,
    pub sizing: Sizing,
}

// one call per table row, as the Python's tuples
#[allow(clippy::too_many_arguments)]
const fn local(
    code: &'static str,
    theme: &'static str,
    name: &'static str,
    unit: &'static str,
    step: i64,
    money: bool,
    mapping: Option<(&'static str, &'static str)>,
    valued: bool,
    weight: f64,
    sizing: Sizing,
) -> LocalMeasureDef {
    LocalMeasureDef { code, theme, name, unit, step, money, mapping, valued, weight, sizing }
}

use Sizing::{Mapped, Notional, Pct};

/// The regional framework's record-only measures (`valued` false, no
/// proxies), after the v1 measures.
#[rustfmt::skip]
pub(super) static REGIONAL_RECORD_ONLY: [LocalMeasureDef; 2] = [
    local("JOBS-05", "JOBS", "Contract workforce paid at least the Real Living Wage", "% of contract workforce", 50, false, None, false, 1.2, Pct),
    local("INNOV-05", "INNOV", "Case studies of social value delivered on the contract", "case studies", 100, false, None, false, 0.8, Notional(500000)),
];

/// A local framework's themes. Some codes are also regional ones on
/// purpose: codes are unique within a framework only.
pub(super) fn local_themes(framework: &str) -> &'static [(&'static str, &'static str)] {
    match framework {
        "LTOMS" => &[
            ("PEOPLE", "People: skills and jobs for Lancashire residents"),
            ("ECONOMY", "Economy: a thriving Lancashire business base"),
            ("COMMUNITY", "Community: stronger, healthier Lancashire communities"),
            ("ENV", "Environment: a greener Lancashire"),
        ],
        "NT" => &[
            ("JOBS", "Jobs – promote local skills and employment"),
            ("GROWTH", "Growth – supporting growth of responsible regional business"),
            ("SOCIAL", "Social – healthier, safer and more resilient communities"),
            ("ENV", "Environment – decarbonising and safeguarding our world"),
            ("INNOV", "Innovation – promoting social innovation"),
        ],
        _ => &[("PEOPLE", "Knowsley people: jobs and skills"), ("GROWTH", "Inclusive growth in Knowsley"), ("PLACE", "Knowsley places and communities")],
    }
}

/// A local framework's measures. Some codes equal a regional code on
/// purpose (framework scoping): LTOMS JOBS-03 counts apprenticeship
/// *starts* (x 52 weeks), LTOMS SOCIAL-01 volunteering *days* (x 7.5
/// hours), LTOMS ENV-01 vehicles (unmapped), KSV JOBS-01 a *headcount*
/// (x 0.5 FTE).
pub(super) fn local_measures(framework: &str) -> &'static [LocalMeasureDef] {
    match framework {
        "LTOMS" => &LTOMS,
        "NT" => &NT,
        _ => &KSV,
    }
}

#[rustfmt::skip]
static LTOMS: [LocalMeasureDef; 13] = [
    local("LT01", "PEOPLE", "Lancashire residents employed on the contract", "FTE local employees", 10, false, Some(("JOBS-01", "1")), true, 3.0, Mapped),
    local("JOBS-03", "PEOPLE", "Apprenticeship starts on the contract", "apprenticeship starts", 100, false, Some(("JOBS-03", "52")), true, 2.0, Mapped),
    local("LT03", "PEOPLE", "Work experience placements for Lancashire residents", "weeks of placement", 100, false, Some(("JOBS-04", "1")), true, 1.5, Mapped),
    local("LT04", "PEOPLE", "Contract workforce paid the Real Living Wage", "% of contract workforce", 50, false, Some(("JOBS-05", "1")), false, 1.0, Pct),
    local("LT10", "ECONOMY", "Spend with Lancashire SMEs", "£ spent with Lancashire SMEs", 1, true, Some(("GROWTH-01", "1")), true, 3.0, Mapped),
    local("GROWTH-02", "ECONOMY", "Spend with Lancashire VCFSE organisations", "£ spent with VCFSEs", 1, true, Some(("GROWTH-02", "1")), true, 2.0, Mapped),
    local("LT12", "ECONOMY", "Business support sessions for Lancashire SMEs", "half-hour sessions", 100, false, Some(("GROWTH-03", "0.5")), true, 1.5, Mapped),
    local("SOCIAL-01", "COMMUNITY", "Staff volunteering in Lancashire communities", "volunteering days", 50, false, Some(("SOCIAL-01", "7.5")), true, 2.0, Mapped),
    local("LT21", "COMMUNITY", "Community grants and donations", "£ donated", 1, true, Some(("SOCIAL-02", "1")), true, 1.5, Mapped),
    local("LT22", "COMMUNITY", "Social value case studies", "case studies", 100, false, None, false, 0.7, Notional(500000)),
    local("ENV-01", "ENV", "Zero-emission vehicles in the contract fleet", "vehicles", 100, false, None, true, 0.8, Notional(2500000)),
    local("LT31", "ENV", "Waste diverted from landfill in Lancashire", "tonnes diverted", 1, false, Some(("ENV-03", "1")), true, 1.0, Mapped),
    local("LT32", "ENV", "Trees planted in Lancashire", "trees planted", 100, false, Some(("ENV-04", "1")), true, 0.8, Mapped),
];

#[rustfmt::skip]
static NT: [LocalMeasureDef; 12] = [
    local("NT1", "JOBS", "Local people employed (FTE) on the contract", "FTE local employees", 10, false, Some(("JOBS-01", "1")), true, 3.0, Mapped),
    local("NT3", "JOBS", "Long-term unemployed people employed (FTE)", "FTE employees", 10, false, Some(("JOBS-02", "1")), true, 2.0, Mapped),
    local("NT10", "JOBS", "Apprenticeships on the contract", "apprentice-years", 10, false, Some(("JOBS-03", "52")), true, 2.0, Mapped),
    local("NT18", "GROWTH", "Spend in the local supply chain", "£ spent locally", 1, true, Some(("GROWTH-01", "1")), true, 3.0, Mapped),
    local("NT19", "GROWTH", "Spend with VCSEs in the supply chain", "£ spent with VCSEs", 1, true, Some(("GROWTH-02", "1")), true, 1.5, Mapped),
    local("NT20", "GROWTH", "Half-day meet-the-buyer sessions", "half-day sessions", 100, false, Some(("GROWTH-04", "0.5")), true, 1.0, Mapped),
    local("NT28", "SOCIAL", "Donations and in-kind contributions to local community projects", "£ donated", 1, true, Some(("SOCIAL-02", "1")), true, 1.5, Mapped),
    local("NT29", "SOCIAL", "Staff volunteering time", "volunteering days", 50, false, Some(("SOCIAL-01", "7.5")), true, 1.5, Mapped),
    local("NT31", "ENV", "Carbon emissions saved on the contract", "tonnes CO2e saved", 1, false, Some(("ENV-01", "1")), true, 1.5, Mapped),
    local("NT44", "ENV", "Single-use plastic removed from the contract", "kg removed", 100, false, None, true, 0.6, Notional(500)),
    local("NT52", "INNOV", "Equality, diversity and inclusion training", "hours of training", 50, false, None, true, 0.6, Notional(2500)),
    local("NT90", "INNOV", "Social value case studies", "case studies", 100, false, Some(("INNOV-05", "1")), false, 0.5, Notional(500000)),
];

#[rustfmt::skip]
static KSV: [LocalMeasureDef; 9] = [
    local("JOBS-01", "PEOPLE", "Knowsley residents employed on the contract (headcount)", "local employees (headcount)", 100, false, Some(("JOBS-01", "0.5")), true, 3.0, Mapped),
    local("K02", "PEOPLE", "Apprentices employed on the contract", "apprentice-years", 10, false, Some(("JOBS-03", "52")), true, 2.0, Mapped),
    local("K03", "PEOPLE", "Mentoring for Knowsley care leavers", "hours of mentoring", 50, false, Some(("SOCIAL-03", "1")), true, 1.5, Mapped),
    local("K04", "PEOPLE", "Residents supported into training", "residents supported", 100, false, None, true, 1.0, Notional(150000)),
    local("GROWTH-01", "GROWTH", "Spend with Knowsley-based businesses", "£ spent with Knowsley businesses", 1, true, Some(("GROWTH-01", "1")), true, 3.0, Mapped),
    local("K12", "GROWTH", "Spend with Knowsley VCFS organisations", "£ spent with VCFS organisations", 1, true, Some(("GROWTH-02", "1")), true, 1.5, Mapped),
    local("K21", "PLACE", "Staff volunteering in Knowsley", "volunteering days", 50, false, Some(("SOCIAL-01", "7.5")), true, 1.5, Mapped),
    local("K22", "PLACE", "Community events hosted", "events hosted", 100, false, None, true, 1.0, Notional(120000)),
    local("K23", "PLACE", "Social value case studies", "case studies", 100, false, Some(("INNOV-05", "1")), false, 0.6, Notional(500000)),
];

/// `mappings.csv`'s note for a mapping (commas on purpose: CSV quoting).
pub(super) fn mapping_note(framework: &str, code: &str, factor: &str) -> &'static str {
    match (framework, code, factor) {
        ("KSV", "JOBS-01", _) => "headcount to FTE, at the council's part-time profile (0.5)",
        (_, _, "52") => "1 apprentice-year (or start) = 52 weeks of apprenticeship",
        (_, _, "7.5") => "1 volunteering day = 7.5 hours",
        (_, _, "0.5") => "half a regional unit, by the framework's own definition",
        _ => "",
    }
}

/// A contract of a council in a non-regional framework names `REGIONAL`
/// with this chance (and always the council's 2nd contract, so that every
/// scale and seed has one), its own framework with the next slice, else
/// leaves `framework_code` empty.
pub(super) const OVERRIDE_REGIONAL_P: f64 = 0.20;
pub(super) const EXPLICIT_OWN_P: f64 = 0.10;
/// A contract of a `REGIONAL` council names `REGIONAL` with this chance.
pub(super) const EXPLICIT_REGIONAL_P: f64 = 0.05;
/// A verified row's `validated_quantity` is below its quantity with this
/// chance, its quantity written out with the next slice, else empty.
pub(super) const PARTIAL_VALIDATION_P: f64 = 0.20;
pub(super) const EXPLICIT_FULL_P: f64 = 0.05;
