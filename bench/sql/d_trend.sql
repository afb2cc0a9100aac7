-- (d), second statement: the quarterly delivery trend of one theme (:theme,
-- the regional ENV), over the evidence records, valued as d_by_measure.sql.
SELECT e.financial_year, e.quarter, COUNT(*) AS evidence,
       SUM(CASE WHEN e.status <> 'REJECTED' THEN CAST(e.quantity_centi AS DECIMAL) * b.f * b.valued * COALESCE(p.value_pence, 0) ELSE 0 END) AS delivered_value,
       SUM(CASE WHEN e.status = 'VERIFIED' THEN CAST(COALESCE(e.validated_centi, e.quantity_centi) AS DECIMAL) * b.f * b.valued * COALESCE(p.value_pence, 0) ELSE 0 END) AS verified_value
FROM evidence e JOIN commitment c ON c.id = e.commitment_id
JOIN (SELECT m.id AS rid, CASE WHEN m.framework_id = 1 THEN m.theme_id ELSE COALESCE(r.theme_id, -1) END AS theme_id,
        CASE WHEN m.framework_id = 1 THEN m.id ELSE COALESCE(x.regional_measure_id, -1) END AS mid,
        CASE WHEN m.framework_id = 1 THEN 10000 ELSE COALESCE(x.factor_e4, 10000) END AS f,
        CASE WHEN m.valued AND (m.framework_id = 1 OR r.valued) THEN 1 ELSE 0 END AS valued
      FROM measure m LEFT JOIN measure_mapping x ON x.measure_id = m.id LEFT JOIN measure r ON r.id = x.regional_measure_id) b ON b.rid = c.measure_id
LEFT JOIN proxy p ON p.measure_id = b.mid AND p.financial_year = e.financial_year
WHERE e.deleted = FALSE AND b.theme_id = :theme
GROUP BY e.financial_year, e.quarter ORDER BY e.financial_year, e.quarter;
