//! The batch checks, without a database: a regional framework of one
//! measure with a proxy for 2024 and one record-only measure, a local
//! framework (LOCAL) whose measures are mapped onto them or not, and what
//! "already exists" built by hand.

use chrono::{NaiveDate, Utc};
use entity::{commitment, contract, framework as fw, measure, measure_mapping};

use super::*;
use crate::domain::EvidenceStatus;
use crate::service::sync::input::DeletionIn;

/// Regional framework 1: NT1 (id 7, valued, proxy for 2024) and REC (id 8,
/// record-only). LOCAL framework 2: NT1 (id 20, the same code, mapped onto
/// regional NT1 × 52), L-REC (id 21, mapped onto REC) and L-NONE (id 22, unmapped).
fn framework() -> FrameworkSnapshot {
    let measure = |id: i32, framework_id: i32, code: &str, valued: bool| measure::Model {
        id,
        framework_id,
        code: code.into(),
        theme_id: framework_id,
        name: "A measure".into(),
        unit: "units".into(),
        valued,
    };
    let measures: HashMap<i32, measure::Model> =
        [measure(7, 1, "NT1", true), measure(8, 1, "REC", false), measure(20, 2, "NT1", true), measure(21, 2, "L-REC", true), measure(22, 2, "L-NONE", true)]
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
    let mapping = |measure_id: i32, regional_measure_id: i32, factor_e4: i64| {
        (measure_id, measure_mapping::Model { measure_id, regional_measure_id, factor_e4, note: None })
    };
    let framework = |id: i32, code: &str| (code.to_owned(), fw::Model { id, code: code.into(), name: code.into(), edition: None });
    FrameworkSnapshot {
        frameworks: [framework(1, "REGIONAL"), framework(2, "LOCAL")].into(),
        measure_codes: measures.values().map(|m| ((m.framework_id, m.code.clone()), m.id)).collect(),
        measures,
        mappings: [mapping(20, 7, 520_000), mapping(21, 8, 10_000)].into(),
        proxies: [((7, 2024), Money::parse("100.00").unwrap())].into(),
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn supplier(r: &str) -> SupplierIn {
    SupplierIn { supplier_ref: r.into(), name: "Acme".into(), companies_house_number: None, postcode: None, is_sme: true, is_vcse: false }
}

fn contract(id: &str, supplier: &str) -> ContractIn {
    ContractIn {
        external_id: id.into(),
        title: "Roads".into(),
        supplier_ref: supplier.into(),
        value_gbp: "1000.00".into(),
        start_date: date(2024, 4, 1),
        end_date: date(2026, 3, 31),
        social_value_weighting_pct: Some("10".into()),
        framework_code: None,
    }
}

fn commitment(id: &str, contract: &str) -> CommitmentIn {
    CommitmentIn {
        external_id: id.into(),
        contract_external_id: contract.into(),
        measure_code: "NT1".into(),
        financial_year: 2024,
        target_quantity: "12.5".into(),
    }
}

fn evidence(id: &str, commitment: &str) -> EvidenceIn {
    EvidenceIn {
        external_id: id.into(),
        commitment_external_id: commitment.into(),
        period_start: date(2024, 4, 1),
        period_end: date(2024, 6, 30),
        quantity: "3".into(),
        status: EvidenceStatus::Submitted,
        evidence_url: None,
        evidence_sha256: None,
        validated_quantity: None,
    }
}

fn batch() -> SyncBatch {
    SyncBatch {
        council_code: "LIV".into(),
        suppliers: vec![supplier("S1")],
        contracts: vec![contract("K1", "S1")],
        commitments: vec![commitment("C1", "K1")],
        evidence: vec![evidence("E1", "C1")],
        ..Default::default()
    }
}

fn existing_contract(id: i32, external_id: &str, deleted: bool) -> contract::Model {
    contract::Model {
        id,
        council_id: 1,
        external_id: external_id.into(),
        title: "Old".into(),
        supplier_id: 1,
        value_pence: 0,
        start_date: date(2024, 4, 1),
        end_date: date(2025, 3, 31),
        social_value_weighting_centi: None,
        framework_id: 1,
        version: 1,
        updated_at: Utc::now(),
        deleted,
    }
}

fn existing_commitment(id: i32, external_id: &str, contract_id: i32) -> commitment::Model {
    commitment::Model {
        id,
        council_id: 1,
        external_id: external_id.into(),
        contract_id,
        measure_id: 7,
        financial_year: 2024,
        target_centi: 100,
        version: 1,
        updated_at: Utc::now(),
        deleted: false,
    }
}

fn errors(b: &SyncBatch, existing: &Existing) -> Vec<(&'static str, usize, &'static str, String)> {
    match validate(b, &framework(), 1, existing) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.entity, e.index, e.code, e.message)).collect(),
    }
}

#[test]
fn a_batch_whose_records_refer_to_each_other_is_valid_with_its_decimals_parsed() {
    let valid = validate(&batch(), &framework(), 1, &Existing::default()).expect("valid");
    assert_eq!(valid.suppliers.len(), 1);
    let (_, value, weighting, framework_id) = &valid.contracts[0];
    assert_eq!((value.scaled(), weighting.map(Percent::scaled), *framework_id), (100_000, Some(1_000), 1));
    let (_, measure_id, target) = &valid.commitments[0];
    assert_eq!((*measure_id, target.scaled()), (7, 1_250));
    let e = &valid.evidence[0];
    assert_eq!((e.quarter.year.0, e.quarter.number, e.quantity.scaled(), e.validated), (2024, 1, 300, None));
}

#[test]
fn every_invalid_record_is_reported_not_only_the_first() {
    let mut b = batch();
    b.contracts.push(contract("K2", "NOBODY"));
    b.contracts[0].value_gbp = "12.345".into();
    b.commitments.push(CommitmentIn { financial_year: 20224, ..commitment("C2", "K9") });
    b.evidence[0].period_end = date(2024, 7, 1);
    let found = errors(&b, &Existing::default());
    let codes: Vec<_> = found.iter().map(|(e, i, c, _)| (*e, *i, *c)).collect();
    assert_eq!(
        codes,
        [
            ("CONTRACT", 0, "INVALID_VALUE"),
            ("CONTRACT", 1, "UNKNOWN_REFERENCE"),
            ("COMMITMENT", 1, "UNKNOWN_REFERENCE"),
            ("COMMITMENT", 1, "NO_PROXY"),
            ("COMMITMENT", 1, "INVALID_VALUE"),
            ("EVIDENCE", 0, "INVALID_PERIOD"),
        ]
    );
    assert_eq!(found[1].3, "unknown supplier NOBODY");
    assert_eq!(found[4].3, "financialYear 20224 is out of range");
}

#[test]
fn duplicates_are_reported_at_each_position() {
    let mut b = batch();
    b.suppliers.push(supplier("S1"));
    b.evidence.push(evidence("E1", "C1"));
    let codes: Vec<_> = errors(&b, &Existing::default()).into_iter().map(|(e, i, c, _)| (e, i, c)).collect();
    assert_eq!(codes, [("SUPPLIER", 0, "DUPLICATE"), ("SUPPLIER", 1, "DUPLICATE"), ("EVIDENCE", 0, "DUPLICATE"), ("EVIDENCE", 1, "DUPLICATE")]);
}

#[test]
fn text_with_nul_blank_or_too_long_is_refused() {
    let mut b = batch();
    b.suppliers[0].name = "Ac\0me".into();
    b.contracts[0].title = " ".into();
    b.commitments[0].external_id = "x".repeat(201);
    b.evidence[0].evidence_url = Some("u".repeat(2001));
    b.evidence[0].evidence_sha256 = Some("abc".into());
    let found: Vec<_> = errors(&b, &Existing::default()).into_iter().map(|(e, _, c, m)| (e, c, m)).collect();
    assert!(found.contains(&("SUPPLIER", "INVALID_VALUE", "name: contains a NUL character (U+0000)".into())));
    assert!(found.contains(&("CONTRACT", "INVALID_VALUE", "externalId and title must be 1 to 200 characters".into())));
    assert!(found.contains(&("COMMITMENT", "INVALID_VALUE", "externalId must be 1 to 200 characters".into())));
    assert!(found.contains(&("EVIDENCE", "INVALID_SHA256", "evidenceSha256 must be 64 hexadecimal characters".into())));
    assert!(found.contains(&("EVIDENCE", "INVALID_VALUE", "evidenceUrl must be at most 2000 characters".into())));
}

#[test]
fn weightings_above_100_and_quantities_above_the_maximum_are_refused() {
    let mut b = batch();
    b.contracts[0].social_value_weighting_pct = Some("100.01".into());
    b.evidence[0].quantity = "1000000000.01".into();
    let found: Vec<_> = errors(&b, &Existing::default()).into_iter().map(|(e, _, _, m)| (e, m)).collect();
    assert_eq!(found[0], ("CONTRACT", "socialValueWeightingPct must be at most 100".to_owned()));
    assert_eq!(found[1].0, "EVIDENCE");
    assert!(found[1].1.starts_with("quantity: \"1000000000.01\" is more than"), "{}", found[1].1);
}

#[test]
fn deletions_name_live_records_once_and_not_what_the_batch_upserts() {
    let existing = Existing {
        contracts: [("K1".to_owned(), existing_contract(11, "K1", false)), ("K0".to_owned(), existing_contract(10, "K0", true))].into(),
        ..Default::default()
    };
    let mut b = batch();
    b.deletions = vec![
        DeletionIn { entity: RecordEntity::Contract, external_id: "K1".into() },
        DeletionIn { entity: RecordEntity::Evidence, external_id: "E9".into() },
        DeletionIn { entity: RecordEntity::Contract, external_id: "K0".into() },
    ];
    let found: Vec<_> = errors(&b, &existing);
    assert_eq!(
        found,
        [
            ("COMMITMENT", 0, "UNKNOWN_REFERENCE", "unknown contract K1".to_owned()),
            ("CONTRACT", 0, "INVALID_VALUE", "CONTRACT K1 is both upserted and deleted in one batch".to_owned()),
            ("EVIDENCE", 1, "UNKNOWN_REFERENCE", "there is no EVIDENCE E9 to delete".to_owned()),
        ]
    );

    // Deleting an already deleted record is a retry; a live one is tombstoned by row id.
    let only_deletions = SyncBatch {
        deletions: vec![
            DeletionIn { entity: RecordEntity::Contract, external_id: "K0".into() },
            DeletionIn { entity: RecordEntity::Contract, external_id: "K1".into() },
        ],
        ..Default::default()
    };
    let valid = validate(&only_deletions, &framework(), 1, &existing).expect("valid");
    assert_eq!(valid.deletions, [(RecordEntity::Contract, 11)]);
}

#[test]
fn evidence_on_a_commitment_whose_contract_this_batch_deletes_is_refused() {
    let existing = Existing {
        contracts: [("K1".to_owned(), existing_contract(11, "K1", false))].into(),
        commitments: [("C1".to_owned(), existing_commitment(21, "C1", 11))].into(),
        commitment_measure: [("C1".to_owned(), 7)].into(),
        ..Default::default()
    };
    let b = SyncBatch {
        evidence: vec![evidence("E1", "C1")],
        deletions: vec![DeletionIn { entity: RecordEntity::Contract, external_id: "K1".into() }],
        ..Default::default()
    };
    let found: Vec<_> = errors(&b, &existing).into_iter().map(|(e, _, c, m)| (e, c, m)).collect();
    assert_eq!(found, [("EVIDENCE", "UNKNOWN_REFERENCE", "commitment C1 is deleted by this batch".to_owned())]);
}

#[test]
fn records_refused_as_a_type_keep_their_one_error_and_can_still_be_referred_to() {
    let mut b = batch();
    b.refused = vec![SyncError { entity: "COMMITMENT", index: 0, external_id: Some("C1".into()), code: "INVALID_VALUE", message: "targetQuantity: x".into() }];
    b.commitments[0].target_quantity = "not checked again".into();
    let found: Vec<_> = errors(&b, &Existing::default()).into_iter().map(|(e, i, c, _)| (e, i, c)).collect();
    assert_eq!(found, [("COMMITMENT", 0, "INVALID_VALUE")]);
}

#[test]
fn a_measure_code_means_the_measure_of_the_contracts_framework() {
    // The council reports in LOCAL: NT1 is LOCAL's NT1 (id 20), mapped onto regional NT1.
    let local = validate(&batch(), &framework(), 2, &Existing::default()).expect("valid");
    assert_eq!((local.contracts[0].3, local.commitments[0].1), (2, 20));
    // A contract may name its own framework, whatever its council's.
    let mut b = batch();
    b.contracts[0].framework_code = Some("REGIONAL".into());
    let regional = validate(&b, &framework(), 2, &Existing::default()).expect("valid");
    assert_eq!((regional.contracts[0].3, regional.commitments[0].1), (1, 7));
    // An existing contract's framework decides for a commitment synced alone.
    let existing =
        Existing { contracts: [("K7".to_owned(), contract::Model { framework_id: 2, ..existing_contract(17, "K7", false) })].into(), ..Default::default() };
    let b = SyncBatch { council_code: "LIV".into(), commitments: vec![commitment("C1", "K7")], ..Default::default() };
    assert_eq!(validate(&b, &framework(), 1, &existing).expect("valid").commitments[0].1, 20);
    // A code that only another framework has is unknown here.
    let mut b = batch();
    b.commitments[0].measure_code = "L-NONE".into();
    assert_eq!(errors(&b, &Existing::default())[0].2, "UNKNOWN_REFERENCE");
}

#[test]
fn unmapped_and_record_only_measures_need_no_proxy_but_mapped_valued_ones_do() {
    let in_year = |code: &str, year: i32| {
        let mut b = batch();
        b.contracts[0].framework_code = Some("LOCAL".into());
        b.commitments[0].measure_code = code.into();
        b.commitments[0].financial_year = year;
        let found = errors(&b, &Existing::default());
        found.into_iter().map(|(e, _, c, _)| (e, c)).collect::<Vec<_>>()
    };
    assert_eq!(in_year("NT1", 2024), []);
    // Regional NT1 has no proxy for 2025, for the commitment or its evidence's year.
    assert_eq!(in_year("NT1", 2025), [("COMMITMENT", "NO_PROXY")]);
    assert_eq!(in_year("L-REC", 2025), []);
    assert_eq!(in_year("L-NONE", 2025), []);
    let mut b = batch();
    b.contracts[0].framework_code = Some("LOCAL".into());
    b.evidence[0].period_start = date(2025, 4, 1);
    b.evidence[0].period_end = date(2025, 4, 30);
    assert_eq!(errors(&b, &Existing::default())[0].2, "NO_PROXY");
}

#[test]
fn an_unknown_framework_is_an_invalid_contract() {
    let mut b = batch();
    b.contracts[0].framework_code = Some("NOPE".into());
    let found = errors(&b, &Existing::default());
    assert_eq!((found[0].0, found[0].2, found[0].3.as_str()), ("CONTRACT", "UNKNOWN_REFERENCE", "unknown framework NOPE"));
}

#[test]
fn a_validated_quantity_is_for_verified_evidence_and_at_most_its_quantity() {
    let with = |status: EvidenceStatus, validated: Option<&str>| {
        let mut b = batch();
        b.evidence[0].status = status;
        b.evidence[0].validated_quantity = validated.map(str::to_owned);
        validate(&b, &framework(), 1, &Existing::default()).map(|v| v.evidence[0].validated.map(Quantity::scaled)).map_err(|e| e[0].message.clone())
    };
    assert_eq!(with(EvidenceStatus::Verified, Some("1.5")), Ok(Some(150)));
    assert_eq!(with(EvidenceStatus::Verified, Some("0")), Ok(Some(0)));
    // Verified without a validated quantity: validated in full.
    assert_eq!(with(EvidenceStatus::Verified, None), Ok(Some(300)));
    assert_eq!(with(EvidenceStatus::Submitted, None), Ok(None));
    assert_eq!(with(EvidenceStatus::Verified, Some("3.01")), Err("validatedQuantity 3.01 is more than quantity 3".into()));
    assert!(with(EvidenceStatus::Verified, Some("-1")).unwrap_err().starts_with("validatedQuantity: "));
    for status in [EvidenceStatus::Submitted, EvidenceStatus::Rejected] {
        assert_eq!(with(status, Some("1")), Err("validatedQuantity is allowed only with status VERIFIED".into()));
    }
}
