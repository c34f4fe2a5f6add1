-- The statements that import a MedDRA distribution into the store and map reported terms to its PTs, run by
-- explorer.meddra.statements by name. Each section ("-- step: NAME") is one statement, except tables and prune
-- (several, without parameters). Values are bound ($version, ...); the distribution's records arrive as the
-- registered DataFrame asc_frame.
-- Every table holds every imported version (column version); meddra_versions says which one is current.

-- step: tables
CREATE TABLE IF NOT EXISTS meddra_versions (
    version VARCHAR PRIMARY KEY,     -- the release, e.g. 27.1 (meddra_release.asc)
    language VARCHAR NOT NULL,       -- e.g. English
    is_current BOOLEAN NOT NULL,     -- reported terms are mapped to this version's PTs
    source VARCHAR NOT NULL,         -- the folder imported
    sha256 VARCHAR NOT NULL,         -- of the distribution's files
    n_llt BIGINT NOT NULL, n_pt BIGINT NOT NULL, n_hlt BIGINT NOT NULL, n_hlgt BIGINT NOT NULL,
    n_soc BIGINT NOT NULL, n_smq BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    tool_version VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS meddra_soc (version VARCHAR, soc_code BIGINT, soc_name VARCHAR, soc_abbrev VARCHAR);
CREATE TABLE IF NOT EXISTS meddra_hlgt (version VARCHAR, hlgt_code BIGINT, hlgt_name VARCHAR);
CREATE TABLE IF NOT EXISTS meddra_hlt (version VARCHAR, hlt_code BIGINT, hlt_name VARCHAR);
CREATE TABLE IF NOT EXISTS meddra_pt (version VARCHAR, pt_code BIGINT, pt_name VARCHAR, primary_soc_code BIGINT,
                                      pt_key VARCHAR, name_key VARCHAR);
CREATE TABLE IF NOT EXISTS meddra_llt (version VARCHAR, llt_code BIGINT, llt_name VARCHAR, pt_code BIGINT,
                                       is_current BOOLEAN, name_key VARCHAR);
CREATE TABLE IF NOT EXISTS meddra_soc_hlgt (version VARCHAR, soc_code BIGINT, hlgt_code BIGINT);
CREATE TABLE IF NOT EXISTS meddra_hlgt_hlt (version VARCHAR, hlgt_code BIGINT, hlt_code BIGINT);
CREATE TABLE IF NOT EXISTS meddra_hlt_pt (version VARCHAR, hlt_code BIGINT, pt_code BIGINT);
CREATE TABLE IF NOT EXISTS meddra_hierarchy (version VARCHAR, pt_code BIGINT, hlt_code BIGINT, hlgt_code BIGINT,
                                             soc_code BIGINT, pt_name VARCHAR, hlt_name VARCHAR, hlgt_name VARCHAR,
                                             soc_name VARCHAR, soc_abbrev VARCHAR, is_primary_soc BOOLEAN);
CREATE TABLE IF NOT EXISTS meddra_smq (version VARCHAR, smq_code BIGINT, smq_name VARCHAR, smq_level INTEGER,
                                       smq_description VARCHAR, smq_source VARCHAR, smq_note VARCHAR,
                                       smq_meddra_version VARCHAR, smq_status VARCHAR, smq_algorithm VARCHAR);
CREATE TABLE IF NOT EXISTS meddra_smq_content (version VARCHAR, smq_code BIGINT, term_code BIGINT,
                                               term_level INTEGER, term_scope INTEGER, term_category VARCHAR,
                                               term_weight INTEGER, term_status VARCHAR,
                                               term_addition_version VARCHAR, term_last_modified_version VARCHAR);

-- step: forget_version
-- A re-imported version replaces its earlier import: first its row of meddra_versions goes, then (prune) its rows.
DELETE FROM meddra_versions WHERE version = $version;

-- step: prune
-- Rows of versions that meddra_versions no longer lists (several statements, no parameters).
DELETE FROM meddra_soc WHERE version NOT IN (SELECT version FROM meddra_versions);
DELETE FROM meddra_hlgt WHERE version NOT IN (SELECT version FROM meddra_versions);
DELETE FROM meddra_hlt WHERE version NOT IN (SELECT version FROM meddra_versions);
DELETE FROM meddra_pt WHERE version NOT IN (SELECT version FROM meddra_versions);
DELETE FROM meddra_llt WHERE version NOT IN (SELECT version FROM meddra_versions);
DELETE FROM meddra_soc_hlgt WHERE version NOT IN (SELECT version FROM meddra_versions);
DELETE FROM meddra_hlgt_hlt WHERE version NOT IN (SELECT version FROM meddra_versions);
DELETE FROM meddra_hlt_pt WHERE version NOT IN (SELECT version FROM meddra_versions);
DELETE FROM meddra_hierarchy WHERE version NOT IN (SELECT version FROM meddra_versions);
DELETE FROM meddra_smq WHERE version NOT IN (SELECT version FROM meddra_versions);
DELETE FROM meddra_smq_content WHERE version NOT IN (SELECT version FROM meddra_versions);

-- step: insert_soc
INSERT INTO meddra_soc SELECT $version, soc_code, soc_name, soc_abbrev FROM asc_frame;

-- step: insert_hlgt
INSERT INTO meddra_hlgt SELECT $version, hlgt_code, hlgt_name FROM asc_frame;

-- step: insert_hlt
INSERT INTO meddra_hlt SELECT $version, hlt_code, hlt_name FROM asc_frame;

-- step: insert_pt
INSERT INTO meddra_pt
SELECT $version, pt_code, pt_name, pt_soc_code, lower(pt_name),
       lower(regexp_replace(trim(pt_name), '\s+', ' ', 'g'))
FROM asc_frame;

-- step: insert_llt
INSERT INTO meddra_llt
SELECT $version, llt_code, llt_name, pt_code, upper(llt_currency) = 'Y',
       lower(regexp_replace(trim(llt_name), '\s+', ' ', 'g'))
FROM asc_frame;

-- step: insert_soc_hlgt
INSERT INTO meddra_soc_hlgt SELECT $version, soc_code, hlgt_code FROM asc_frame;

-- step: insert_hlgt_hlt
INSERT INTO meddra_hlgt_hlt SELECT $version, hlgt_code, hlt_code FROM asc_frame;

-- step: insert_hlt_pt
INSERT INTO meddra_hlt_pt SELECT $version, hlt_code, pt_code FROM asc_frame;

-- step: insert_mdhier
INSERT INTO meddra_hierarchy
SELECT $version, pt_code, hlt_code, hlgt_code, soc_code, pt_name, hlt_name, hlgt_name, soc_name, soc_abbrev,
       upper(primary_soc_fg) = 'Y'
FROM asc_frame;

-- step: insert_smq_list
INSERT INTO meddra_smq
SELECT $version, smq_code, smq_name, smq_level, nullif(smq_description, ''), nullif(smq_source, ''),
       nullif(smq_note, ''), nullif(meddra_version, ''), nullif(status, ''), nullif(smq_algorithm, '')
FROM asc_frame;

-- step: insert_smq_content
INSERT INTO meddra_smq_content
SELECT $version, smq_code, term_code, term_level, term_scope, nullif(term_category, ''), term_weight,
       nullif(term_status, ''), nullif(term_addition_version, ''), nullif(term_last_modified_version, '')
FROM asc_frame;

-- step: insert_version
INSERT INTO meddra_versions VALUES ($version, $language, false, $source, $sha256, $n_llt, $n_pt, $n_hlt, $n_hlgt,
                                    $n_soc, $n_smq, now()::TIMESTAMP, $tool_version);

-- step: make_current
UPDATE meddra_versions SET is_current = (version = $version);

-- step: empty_term_map
-- Without imported MedDRA, no reported term is mapped: the model is exactly what it is without this feature.
CREATE OR REPLACE TEMP TABLE pt_map (pt VARCHAR, pt_key VARCHAR, pt_name VARCHAR, pt_code BIGINT,
                                     matched_by VARCHAR, matched_version VARCHAR);

-- step: term_map
-- Every distinct reported term (raw_reac.pt, as shipped) mapped to a PT of the current version, best match first:
-- 1 the name of a current PT; 2 a current LLT; 3 a non-current LLT (each maps to its PT); 4 a PT or LLT name of an
-- older imported version whose code is a PT or LLT of the current version (a PT renamed since, an LLT that moved).
-- Names are compared without case and with runs of spaces as one (LAERS PTs are upper case). Ties go to the name
-- spelled exactly as reported, then the newer version, then the lower code. Terms that match nothing are absent.
CREATE OR REPLACE TEMP TABLE pt_map AS
WITH cur AS (SELECT version FROM meddra_versions WHERE is_current),
terms AS (
    SELECT pt, lower(regexp_replace(trim(pt), '\s+', ' ', 'g')) AS name_key
    FROM (SELECT DISTINCT pt FROM raw_reac WHERE pt IS NOT NULL)
),
older AS (
    SELECT version, pt_code AS code, pt_name AS name, name_key FROM meddra_pt
    WHERE version <> (SELECT version FROM cur)
    UNION ALL
    SELECT version, llt_code, llt_name, name_key FROM meddra_llt
    WHERE version <> (SELECT version FROM cur)
),
candidates AS (
    SELECT t.pt, p.pt_code, 1 AS tier, 'pt' AS matched_by, NULL AS matched_version, p.pt_name = t.pt AS exact
    FROM terms t JOIN meddra_pt p ON p.name_key = t.name_key
    WHERE p.version = (SELECT version FROM cur)
    UNION ALL
    SELECT t.pt, l.pt_code, CASE WHEN l.is_current THEN 2 ELSE 3 END, 'llt', NULL, l.llt_name = t.pt
    FROM terms t JOIN meddra_llt l ON l.name_key = t.name_key
    WHERE l.version = (SELECT version FROM cur)
    UNION ALL
    SELECT t.pt, coalesce(cp.pt_code, cl.pt_code), 4, 'older_version', o.version, o.name = t.pt
    FROM terms t
    JOIN older o ON o.name_key = t.name_key
    LEFT JOIN meddra_pt cp ON cp.version = (SELECT version FROM cur) AND cp.pt_code = o.code
    LEFT JOIN meddra_llt cl ON cl.version = (SELECT version FROM cur) AND cl.llt_code = o.code
    WHERE coalesce(cp.pt_code, cl.pt_code) IS NOT NULL
),
best AS (
    SELECT * FROM candidates
    QUALIFY row_number() OVER (
        PARTITION BY pt
        ORDER BY tier, exact DESC,
                 try_cast(string_split(matched_version, '.') AS INTEGER[]) DESC NULLS LAST, pt_code) = 1
)
SELECT b.pt, p.pt_key, p.pt_name, b.pt_code, b.matched_by, b.matched_version
FROM best b JOIN meddra_pt p ON p.pt_code = b.pt_code AND p.version = (SELECT version FROM cur);

-- step: record_term_map
-- After the model is built: every reported term of the current cases, with the PT it was mapped to (NULL when it
-- maps to none), how, and how many current cases and reaction rows report it. Read by info and the Overview page.
CREATE OR REPLACE TABLE meddra_term_map AS
SELECT r.pt AS term, any_value(m.pt_code) AS pt_code, any_value(m.pt_name) AS pt_name,
       coalesce(any_value(m.matched_by), 'unmapped') AS matched_by, any_value(m.matched_version) AS matched_version,
       (SELECT version FROM meddra_versions WHERE is_current) AS version,
       count(DISTINCT r.caseid) AS n_cases, count(*) AS n_rows
FROM reactions r LEFT JOIN pt_map m ON m.pt = r.pt
GROUP BY r.pt
ORDER BY n_cases DESC, term;
