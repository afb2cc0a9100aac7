-- (h) One contract by id (:contract) with its supplier, its live
-- commitments (measure, committed value in regional terms, delivered and
-- verified value from commitment_delivery) and their live evidence: the
-- three statements a person would write.
SELECT c.id, c.external_id, c.title, c.value_pence, c.start_date, c.end_date, s.supplier_ref, s.name
FROM contract c JOIN supplier s ON s.id = c.supplier_id WHERE c.id = :contract;
SELECT cm.id, cm.external_id, m.code, cm.financial_year, cm.target_centi,
       CAST(cm.target_centi AS DECIMAL) * b.f * b.valued * COALESCE(pc.value_pence, 0) AS committed_value,
       d.delivered_value_p2, d.delivered_value_p1, d.delivered_value_p0, d.verified_value_p2, d.verified_value_p1, d.verified_value_p0
FROM commitment cm JOIN measure m ON m.id = cm.measure_id
JOIN (SELECT m.id AS rid, CASE WHEN m.framework_id = 1 THEN m.id ELSE COALESCE(x.regional_measure_id, -1) END AS mid,
        CASE WHEN m.framework_id = 1 THEN 10000 ELSE COALESCE(x.factor_e4, 10000) END AS f,
        CASE WHEN m.valued AND (m.framework_id = 1 OR r.valued) THEN 1 ELSE 0 END AS valued
      FROM measure m LEFT JOIN measure_mapping x ON x.measure_id = m.id LEFT JOIN measure r ON r.id = x.regional_measure_id) b ON b.rid = cm.measure_id
LEFT JOIN proxy pc ON pc.measure_id = b.mid AND pc.financial_year = cm.financial_year
LEFT JOIN commitment_delivery d ON d.commitment_id = cm.id
WHERE cm.contract_id = :contract AND cm.deleted = FALSE ORDER BY cm.id;
SELECT e.id, e.commitment_id, e.external_id, e.period_start, e.period_end, e.quantity_centi, e.status, e.validated_centi
FROM evidence e JOIN commitment cm ON cm.id = e.commitment_id
WHERE cm.contract_id = :contract AND cm.deleted = FALSE AND e.deleted = FALSE ORDER BY e.id;
