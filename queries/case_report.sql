-- name: case_report
-- title: One case: its current report's demographics and dates
-- parameters: $caseid
SELECT caseid, primaryid, caseversion, quarter, n_versions, i_f_code, rept_cod, mfr_sndr, mfr_num, lit_ref,
       received_date, event_date, event_date_precision, fda_date, sex, age, age_cod, age_years, wt, wt_cod,
       weight_kg, occp_cod, reporter_country, occr_country, is_serious, is_death,
       (SELECT duplicate_of FROM probable_duplicates WHERE caseid = $caseid::BIGINT) AS probable_duplicate_of
FROM cases WHERE caseid = $caseid::BIGINT
