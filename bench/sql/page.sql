-- (e) The dashboard page, written by hand against the service's tables:
-- one council's first 50 contracts (:council) with their supplier, and
-- every live commitment of those contracts with its measure, theme,
-- committed value in regional terms (the crosswalk b, as
-- src/service/rollup/valuation.rs defines it) and its delivered and
-- verified value as the write path keeps them (commitment_delivery, three
-- parts each). The same records whether the page is asked as edges, nodes
-- or node(id). Two statements: the count, and the page.
SELECT COUNT(*) FROM contract WHERE council_id = :council AND deleted = FALSE;
WITH page AS (
  SELECT c.id, c.external_id, c.title, c.value_pence, s.supplier_ref, s.name
  FROM contract c JOIN supplier s ON s.id = c.supplier_id
  WHERE c.council_id = :council AND c.deleted = FALSE ORDER BY c.id LIMIT 50)
SELECT p.id, p.external_id, p.title, p.value_pence, p.supplier_ref, p.name, cm.external_id, m.code, t.code,
       CAST(cm.target_centi AS DECIMAL) * b.f * b.valued * COALESCE(pc.value_pence, 0) AS committed_value,
       d.delivered_value_p2, d.delivered_value_p1, d.delivered_value_p0, d.verified_value_p2, d.verified_value_p1, d.verified_value_p0
FROM page p
LEFT JOIN commitment cm ON cm.contract_id = p.id AND cm.deleted = FALSE
LEFT JOIN measure m ON m.id = cm.measure_id
LEFT JOIN theme t ON t.id = m.theme_id
LEFT JOIN (SELECT m.id AS rid, CASE WHEN m.framework_id = 1 THEN m.id ELSE COALESCE(x.regional_measure_id, -1) END AS mid,
             CASE WHEN m.framework_id = 1 THEN 10000 ELSE COALESCE(x.factor_e4, 10000) END AS f,
             CASE WHEN m.valued AND (m.framework_id = 1 OR r.valued) THEN 1 ELSE 0 END AS valued
           FROM measure m LEFT JOIN measure_mapping x ON x.measure_id = m.id LEFT JOIN measure r ON r.id = x.regional_measure_id) b ON b.rid = cm.measure_id
LEFT JOIN proxy pc ON pc.measure_id = b.mid AND pc.financial_year = cm.financial_year
LEFT JOIN commitment_delivery d ON d.commitment_id = cm.id
ORDER BY p.id, cm.id;
