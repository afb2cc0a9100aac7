//! Records as JSON, camelCase as in the sync inputs, with references by the
//! council's own ids and codes: what the changes feed carries and what the
//! audit trail keeps as `before` and `after`.

use std::collections::{HashMap, HashSet};

use entity::{commitment, contract, council, evidence, framework, measure, measure_mapping, proxy, supplier, theme};
use sea_orm::{Condition, ConnectionTrait, EntityTrait};
use serde_json::{Value, json};

use crate::domain::{Factor, Money, Percent, Quantity};
use crate::error::AppResult;
use crate::service::lookup;

/// Keys of the records that snapshots refer to, by row id.
#[derive(Debug, Default)]
pub struct Names {
    pub suppliers: HashMap<i32, String>,
    pub contracts: HashMap<i32, String>,
    pub commitments: HashMap<i32, String>,
    pub measures: HashMap<i32, String>,
    pub frameworks: HashMap<i32, String>,
}

/// Ids to look up, gathered from the records a write touches.
#[derive(Debug, Default)]
pub struct Wanted {
    pub suppliers: HashSet<i32>,
    pub contracts: HashSet<i32>,
    pub commitments: HashSet<i32>,
}

impl Wanted {
    pub fn contract(&mut self, m: &contract::Model) {
        self.suppliers.insert(m.supplier_id);
    }
    pub fn commitment(&mut self, m: &commitment::Model) {
        self.contracts.insert(m.contract_id);
    }
    pub fn evidence(&mut self, m: &evidence::Model) {
        self.commitments.insert(m.commitment_id);
    }
}

async fn keys<E: EntityTrait>(
    db: &impl ConnectionTrait,
    id: E::Column,
    ids: &HashSet<i32>,
    key: impl Fn(&E::Model) -> (i32, String),
) -> AppResult<HashMap<i32, String>> {
    let ids: Vec<i32> = ids.iter().copied().collect();
    Ok(lookup::find_in::<E, _>(db, id, &ids, Condition::all(), id).await?.iter().map(key).collect())
}

impl Names {
    pub async fn read(db: &impl ConnectionTrait, wanted: &Wanted) -> AppResult<Self> {
        Ok(Self {
            suppliers: keys::<supplier::Entity>(db, supplier::Column::Id, &wanted.suppliers, |m| (m.id, m.supplier_ref.clone())).await?,
            contracts: keys::<contract::Entity>(db, contract::Column::Id, &wanted.contracts, |m| (m.id, m.external_id.clone())).await?,
            commitments: keys::<commitment::Entity>(db, commitment::Column::Id, &wanted.commitments, |m| (m.id, m.external_id.clone())).await?,
            measures: measure::Entity::find().all(db).await?.into_iter().map(|m| (m.id, m.code)).collect(),
            frameworks: framework::Entity::find().all(db).await?.into_iter().map(|m| (m.id, m.code)).collect(),
        })
    }

    fn get(map: &HashMap<i32, String>, id: i32) -> Value {
        map.get(&id).map_or(Value::Null, |k| Value::String(k.clone()))
    }
}

pub fn contract(m: &contract::Model, n: &Names) -> Value {
    json!({
        "externalId": m.external_id,
        "title": m.title,
        "supplierRef": Names::get(&n.suppliers, m.supplier_id),
        "valueGbp": Money::from_scaled(m.value_pence).to_string(),
        "startDate": m.start_date.to_string(),
        "endDate": m.end_date.to_string(),
        "socialValueWeightingPct": m.social_value_weighting_centi.map(|v| Percent::from_scaled(v).to_string()),
        "frameworkCode": Names::get(&n.frameworks, m.framework_id),
    })
}

pub fn commitment(m: &commitment::Model, n: &Names) -> Value {
    json!({
        "externalId": m.external_id,
        "contractExternalId": Names::get(&n.contracts, m.contract_id),
        "measureCode": Names::get(&n.measures, m.measure_id),
        "financialYear": m.financial_year,
        "targetQuantity": Quantity::from_scaled(m.target_centi).to_string(),
    })
}

pub fn evidence(m: &evidence::Model, n: &Names) -> Value {
    json!({
        "externalId": m.external_id,
        "commitmentExternalId": Names::get(&n.commitments, m.commitment_id),
        "periodStart": m.period_start.to_string(),
        "periodEnd": m.period_end.to_string(),
        "quantity": Quantity::from_scaled(m.quantity_centi).to_string(),
        "status": m.status,
        "validatedQuantity": m.validated_centi.map(|v| Quantity::from_scaled(v).to_string()),
        "evidenceUrl": m.evidence_url,
        "evidenceSha256": m.evidence_sha256,
        "submittedBy": m.submitted_by,
        "reviewedBy": m.reviewed_by,
        "reviewComment": m.review_comment,
    })
}

pub fn supplier(m: &supplier::Model) -> Value {
    json!({
        "ref": m.supplier_ref,
        "name": m.name,
        "companiesHouseNumber": m.companies_house_number,
        "postcode": m.postcode,
        "isSme": m.is_sme,
        "isVcse": m.is_vcse,
    })
}

pub fn framework(m: &framework::Model) -> Value {
    json!({ "code": m.code, "name": m.name, "edition": m.edition })
}

pub fn council(m: &council::Model, framework_code: &str) -> Value {
    json!({ "code": m.code, "name": m.name, "gssCode": m.gss_code, "frameworkCode": framework_code })
}

pub fn theme(m: &theme::Model, framework_code: &str) -> Value {
    json!({ "frameworkCode": framework_code, "code": m.code, "name": m.name })
}

pub fn measure(m: &measure::Model, framework_code: &str, theme_code: &str) -> Value {
    json!({ "frameworkCode": framework_code, "code": m.code, "themeCode": theme_code, "name": m.name, "unit": m.unit, "valued": m.valued })
}

pub fn mapping(m: &measure_mapping::Model, framework_code: &str, measure_code: &str, regional_measure_code: &str) -> Value {
    json!({
        "frameworkCode": framework_code,
        "measureCode": measure_code,
        "regionalMeasureCode": regional_measure_code,
        "factor": Factor::from_scaled(m.factor_e4).to_string(),
        "note": m.note,
    })
}

pub fn proxy(m: &proxy::Model, measure_code: &str) -> Value {
    json!({ "measureCode": measure_code, "financialYear": m.financial_year, "valueGbp": Money::from_scaled(m.value_pence).to_string() })
}
