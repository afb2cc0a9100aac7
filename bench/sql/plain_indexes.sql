-- The baseline's keys, built after the load as a bulk load would: each
-- record's own key, and the lookups from a record to the one it hangs from.
CREATE UNIQUE INDEX councils_key ON councils (code);
CREATE UNIQUE INDEX frameworks_key ON frameworks (code);
CREATE UNIQUE INDEX themes_key ON themes (framework_code, code);
CREATE UNIQUE INDEX measures_key ON measures (framework_code, code);
CREATE UNIQUE INDEX mappings_key ON mappings (framework_code, measure_code);
CREATE UNIQUE INDEX proxies_key ON proxies (measure_code, financial_year);
CREATE UNIQUE INDEX suppliers_key ON suppliers (ref);
CREATE UNIQUE INDEX contracts_key ON contracts (council_code, external_id);
CREATE INDEX contracts_supplier ON contracts (supplier_ref);
CREATE UNIQUE INDEX commitments_key ON commitments (council_code, external_id);
CREATE INDEX commitments_contract ON commitments (council_code, contract_external_id);
CREATE UNIQUE INDEX evidence_key ON evidence (council_code, external_id);
CREATE INDEX evidence_commitment ON evidence (council_code, commitment_external_id);
