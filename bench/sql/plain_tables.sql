-- The region's records as plain tables, one per file of the dataset
-- (DATASET.md), with the files' own columns and keys: the baseline that
-- bench/all.sh loads with COPY (PostgreSQL) or .import (SQLite) and against
-- which it measures the service's import and database size. Valid on both.
CREATE TABLE councils (code TEXT NOT NULL, name TEXT NOT NULL, gss_code TEXT NOT NULL, framework_code TEXT);
CREATE TABLE frameworks (code TEXT NOT NULL, name TEXT NOT NULL, edition TEXT);
CREATE TABLE themes (code TEXT NOT NULL, name TEXT NOT NULL, framework_code TEXT);
CREATE TABLE measures (code TEXT NOT NULL, theme_code TEXT, name TEXT NOT NULL, unit TEXT NOT NULL, framework_code TEXT, valued BOOLEAN);
CREATE TABLE mappings (framework_code TEXT NOT NULL, measure_code TEXT NOT NULL, regional_measure_code TEXT NOT NULL, factor NUMERIC NOT NULL, note TEXT);
CREATE TABLE proxies (measure_code TEXT NOT NULL, financial_year INTEGER NOT NULL, value_gbp NUMERIC NOT NULL);
CREATE TABLE suppliers (ref TEXT NOT NULL, name TEXT NOT NULL, companies_house_number TEXT, postcode TEXT, is_sme BOOLEAN NOT NULL, is_vcse BOOLEAN NOT NULL);
CREATE TABLE contracts (council_code TEXT NOT NULL, external_id TEXT NOT NULL, title TEXT NOT NULL, supplier_ref TEXT NOT NULL, value_gbp NUMERIC NOT NULL,
  start_date DATE NOT NULL, end_date DATE NOT NULL, social_value_weighting_pct NUMERIC, framework_code TEXT);
CREATE TABLE commitments (council_code TEXT NOT NULL, external_id TEXT NOT NULL, contract_external_id TEXT NOT NULL, measure_code TEXT NOT NULL,
  financial_year INTEGER NOT NULL, target_quantity NUMERIC NOT NULL);
CREATE TABLE evidence (council_code TEXT NOT NULL, external_id TEXT NOT NULL, commitment_external_id TEXT NOT NULL, period_start DATE NOT NULL,
  period_end DATE NOT NULL, quantity NUMERIC NOT NULL, status TEXT NOT NULL, evidence_url TEXT, evidence_sha256 TEXT, validated_quantity NUMERIC);
