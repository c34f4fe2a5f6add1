-- name: case_drugs
-- title: One case: every drug with role, route, dose, ingredients, therapy dates and indications
-- parameters: $caseid
SELECT d.drug_seq, d.role_cod, d.drugname, d.prod_ai, d.ingredients, d.route, d.route_canonical, d.dose_vbm,
       d.dose_amt, d.dose_unit, d.dose_form, d.dose_freq, d.dechal, d.rechal, d.lot_num,
       t.start_date, t.start_date_precision, t.end_date, t.end_date_precision, t.dur, t.dur_cod,
       (SELECT string_agg(i.indi_pt, '; ') FROM indications i
        WHERE i.caseid = d.caseid AND i.indi_drug_seq = d.drug_seq) AS indications
FROM drugs d
LEFT JOIN therapies t ON t.caseid = d.caseid AND t.dsg_drug_seq = d.drug_seq
WHERE d.caseid = $caseid::BIGINT
ORDER BY try_cast(d.drug_seq AS BIGINT), t.start_date
