-- (c) by supplier, one council (:council).
-- Hand-written over the records, as a person would answer it without the
-- service: each commitment and each evidence record in regional terms (the
-- crosswalk b, as src/service/rollup/valuation.rs defines it), valued at the
-- regional proxy of its year, summed as exact decimals. Runs as it is in
-- psql / pgbench and in sqlite3 (.parameter set :council N).
SELECT supplier_id, COUNT(DISTINCT contract_id) AS contracts, SUM(cc) AS commitments, SUM(cq) AS committed_quantity, SUM(cv) AS committed_value,
       SUM(ec) AS evidence, SUM(dq) AS delivered_quantity, SUM(dv) AS delivered_value, SUM(vv) AS verified_value
FROM (
  SELECT c.council_id, t.supplier_id, b.theme_id, b.mid, c.contract_id, 1 AS cc, CAST(c.target_centi AS DECIMAL) * b.f AS cq,
         CAST(c.target_centi AS DECIMAL) * b.f * b.valued * COALESCE(p.value_pence, 0) AS cv, 0 AS ec, 0 AS dq, 0 AS dv, 0 AS vv
  FROM commitment c JOIN contract t ON t.id = c.contract_id
  JOIN (SELECT m.id AS rid, CASE WHEN m.framework_id = 1 THEN m.theme_id ELSE COALESCE(r.theme_id, -1) END AS theme_id,
          CASE WHEN m.framework_id = 1 THEN m.id ELSE COALESCE(x.regional_measure_id, -1) END AS mid,
          CASE WHEN m.framework_id = 1 THEN 10000 ELSE COALESCE(x.factor_e4, 10000) END AS f,
          CASE WHEN m.valued AND (m.framework_id = 1 OR r.valued) THEN 1 ELSE 0 END AS valued
        FROM measure m LEFT JOIN measure_mapping x ON x.measure_id = m.id LEFT JOIN measure r ON r.id = x.regional_measure_id) b ON b.rid = c.measure_id LEFT JOIN proxy p ON p.measure_id = b.mid AND p.financial_year = c.financial_year
  WHERE c.deleted = FALSE AND c.council_id = :council
  UNION ALL
  SELECT c.council_id, t.supplier_id, b.theme_id, b.mid, c.contract_id, 0, 0, 0, 1,
         CASE WHEN e.status <> 'REJECTED' THEN CAST(e.quantity_centi AS DECIMAL) * b.f ELSE 0 END,
         CASE WHEN e.status <> 'REJECTED' THEN CAST(e.quantity_centi AS DECIMAL) * b.f * b.valued * COALESCE(p.value_pence, 0) ELSE 0 END,
         CASE WHEN e.status = 'VERIFIED' THEN CAST(COALESCE(e.validated_centi, e.quantity_centi) AS DECIMAL) * b.f * b.valued * COALESCE(p.value_pence, 0) ELSE 0 END
  FROM evidence e JOIN commitment c ON c.id = e.commitment_id JOIN contract t ON t.id = c.contract_id
  JOIN (SELECT m.id AS rid, CASE WHEN m.framework_id = 1 THEN m.theme_id ELSE COALESCE(r.theme_id, -1) END AS theme_id,
          CASE WHEN m.framework_id = 1 THEN m.id ELSE COALESCE(x.regional_measure_id, -1) END AS mid,
          CASE WHEN m.framework_id = 1 THEN 10000 ELSE COALESCE(x.factor_e4, 10000) END AS f,
          CASE WHEN m.valued AND (m.framework_id = 1 OR r.valued) THEN 1 ELSE 0 END AS valued
        FROM measure m LEFT JOIN measure_mapping x ON x.measure_id = m.id LEFT JOIN measure r ON r.id = x.regional_measure_id) b ON b.rid = c.measure_id LEFT JOIN proxy p ON p.measure_id = b.mid AND p.financial_year = e.financial_year
  WHERE e.deleted = FALSE AND c.council_id = :council
) r GROUP BY supplier_id ORDER BY supplier_id;
