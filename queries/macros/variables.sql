-- The session variables a selection is bound through (explorer.selection.bind sets each by its name here, with
-- its value bound as $v). The macros of selection.sql, population.sql and case_sets.sql read them with
-- getvariable('f_...'). A new filter: add its variable here, its predicate to population.sql, its value to bind().

-- variable: received_from
SET VARIABLE f_received_from = $v::DATE

-- variable: received_to
SET VARIABLE f_received_to = $v::DATE

-- variable: event_from
SET VARIABLE f_event_from = $v::DATE

-- variable: event_to
SET VARIABLE f_event_to = $v::DATE

-- variable: sexes
SET VARIABLE f_sexes = $v::VARCHAR[]

-- variable: age_min
SET VARIABLE f_age_min = $v::DOUBLE

-- variable: age_max
SET VARIABLE f_age_max = $v::DOUBLE

-- variable: countries
SET VARIABLE f_countries = $v::VARCHAR[]

-- variable: occupations
SET VARIABLE f_occupations = $v::VARCHAR[]

-- variable: report_types
SET VARIABLE f_report_types = $v::VARCHAR[]

-- variable: serious
SET VARIABLE f_serious = $v::BOOLEAN

-- variable: outcome_codes
SET VARIABLE f_outcome_codes = $v::VARCHAR[]

-- variable: exclude_outbreak
SET VARIABLE f_exclude_outbreak = $v::BOOLEAN

-- variable: exclude_probable_duplicates
SET VARIABLE f_exclude_probable_duplicates = $v::BOOLEAN

-- variable: outbreak_ingredient
SET VARIABLE f_outbreak_ingredient = $v::VARCHAR

-- variable: outbreak_pts
SET VARIABLE f_outbreak_pts = $v::VARCHAR[]

-- variable: outbreak_from
SET VARIABLE f_outbreak_from = $v::DATE

-- variable: outbreak_to
SET VARIABLE f_outbreak_to = $v::DATE

-- variable: event_pts
SET VARIABLE f_event_pts = $v::VARCHAR[]

-- variable: has_comparator
SET VARIABLE f_has_comparator = $v::BOOLEAN

-- variable: has_exposure
SET VARIABLE f_has_exposure = $v::BOOLEAN

-- variable: has_event
SET VARIABLE f_has_event = $v::BOOLEAN

-- variable: band_labels
SET VARIABLE f_band_labels = $v::VARCHAR[]

-- variable: band_los
SET VARIABLE f_band_los = $v::DOUBLE[]

-- variable: band_his
SET VARIABLE f_band_his = $v::DOUBLE[]

-- variable: e_ing
SET VARIABLE f_e_ing = $v::VARCHAR[]

-- variable: e_xing
SET VARIABLE f_e_xing = $v::VARCHAR[]

-- variable: e_routes
SET VARIABLE f_e_routes = $v::VARCHAR[]

-- variable: e_xroutes
SET VARIABLE f_e_xroutes = $v::VARCHAR[]

-- variable: e_terms
SET VARIABLE f_e_terms = $v::VARCHAR

-- variable: e_xterms
SET VARIABLE f_e_xterms = $v::VARCHAR

-- variable: e_roles
SET VARIABLE f_e_roles = $v::VARCHAR[]

-- variable: k_ing
SET VARIABLE f_k_ing = $v::VARCHAR[]

-- variable: k_xing
SET VARIABLE f_k_xing = $v::VARCHAR[]

-- variable: k_routes
SET VARIABLE f_k_routes = $v::VARCHAR[]

-- variable: k_xroutes
SET VARIABLE f_k_xroutes = $v::VARCHAR[]

-- variable: k_terms
SET VARIABLE f_k_terms = $v::VARCHAR

-- variable: k_xterms
SET VARIABLE f_k_xterms = $v::VARCHAR

-- variable: k_roles
SET VARIABLE f_k_roles = $v::VARCHAR[]

-- variable: all_cases
SET VARIABLE f_all_cases = $v::BOOLEAN

-- Bookkeeping: the key of the values now bound, of the counted population and of each kept case set.

-- variable: bound_key
SET VARIABLE f_bound_key = $v::VARCHAR

-- variable: counts_key
SET VARIABLE f_counts_key = $v::VARCHAR

-- variable: set_exposure
SET VARIABLE f_set_exposure = $v::VARCHAR

-- variable: set_event
SET VARIABLE f_set_event = $v::VARCHAR

-- variable: set_comparator
SET VARIABLE f_set_comparator = $v::VARCHAR
