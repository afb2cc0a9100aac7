//! The batch checks, without a database: a framework of one measure with a
//! proxy for 2024, and what "already exists" built by hand.

use chrono::{NaiveDate, Utc};
use entity::{commitment, contract, measure};

use super::*;
use crate::domain::EvidenceStatus;
use crate::service::sync::input::DeletionIn;

fn framework() -> FrameworkSnapshot {
    let m = measure::Model { id: 7, code: "NT1".into(), theme_id: 1, name: "Local jobs".into(), unit: "FTE".into() };
    FrameworkSnapshot { measures: [("NT1".to_owned(), m)].into(), proxies: [((7, 2024), Money::parse("100.00").unwrap())].into() }
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
    match validate(b, &framework(), existing) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.entity, e.index, e.code, e.message)).collect(),
    }
}

#[test]
fn a_batch_whose_records_refer_to_each_other_is_valid_with_its_decimals_parsed() {
    let valid = validate(&batch(), &framework(), &Existing::default()).expect("valid");
    assert_eq!(valid.suppliers.len(), 1);
    let (_, value, weighting) = &valid.contracts[0];
    assert_eq!((value.scaled(), weighting.map(Percent::scaled)), (100_000, Some(1_000)));
    let (_, measure_id, target) = &valid.commitments[0];
    assert_eq!((*measure_id, target.scaled()), (7, 1_250));
    let (_, quarter, quantity, _) = &valid.evidence[0];
    assert_eq!((quarter.year.0, quarter.number, quantity.scaled()), (2024, 1, 300));
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
    let valid = validate(&only_deletions, &framework(), &existing).expect("valid");
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
