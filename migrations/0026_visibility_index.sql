-- Visibility that scales (issue 17): the households an organisation may
-- read, found through indexes rather than by asking household_relations()
-- (0024) of every household.
--
-- The lists filtered every row of their table with the relations
-- functions (household_relations(), procedure_relations(),
-- ccapex_referral_relations(), orientation_*_relations(),
-- field_relations()), each a few index probes per row, and PostgreSQL,
-- not knowing how few rows pass, sorted the whole table: a page of
-- procedures took 3 to 15 s at 174,000 households. Now
-- visible_household_candidates() gives, from indexes only, a superset of
-- the households on which those functions can answer one of the
-- relations a list reads by, and household_is_candidate() answers the
-- same for one household by index probes. A list (DB_VISIBLE_PAGE of
-- storage/db.h) takes its page from the rows of the candidates when they
-- are few (up to 2,000), or reads its table in page order and probes each
-- row's household when they are many, so that the page fills within a
-- few thousand rows. Either way the function stays the filter, asked of
-- candidates only: a candidate it refuses is not shown, and every
-- household it accepts is a candidate (visibility_candidates_missing()
-- lists any that is not; the tests hold it empty), so the answers do not
-- change.
--
-- Each relation and where its candidates come from:
--   DEPARTEMENT (2), the préfecture and the département: the households
--     of the organisation's départements (households_departement of 0024),
--     and the records it operates (ASSIGNED, below);
--   FILER (4): the households the organisation created, filed a
--     procedure or an act on, or made a referral on (households_created_by
--     of 0003, procedures_filed_by, procedure_events_organisation,
--     referrals_created_by);
--   LANDLORD (8): households_landlord of 0003;
--   ASSIGNED (16) on a diagnostic, for any kind (diagnostics_assigned), and
--     (256 here) on a letter, a MASP measure or an outreach case (their
--     operator indexes): a département operates MASP measures;
--   ADDRESSEE (32) of a recommendation (recommendations_addressee of 0005)
--     or of an orientation (referral_orientations_addressee of 0018);
--   TERRITORY (64) and BENEFICIARY (128): the households of the communes
--     of the organisation's territory, its communes and those of its EPCIs
--     (households_insee of 0003; below, for the CAF, only those with a CAF
--     number).
-- Nothing new is kept on write: every source is read as it is now, by
-- the indexes its writes already keep (one more below, on procedures).

-- The communes of an organisation's territory (territory_covers() of 0007
-- answers true for exactly these).
CREATE FUNCTION territory_communes(p_org uuid) RETURNS TABLE (insee text) LANGUAGE sql STABLE AS $$
	SELECT oc.insee FROM organisation_communes oc WHERE oc.organisation_id = p_org
	UNION
	SELECT c.insee FROM organisation_epcis oe JOIN communes c ON c.epci_siren = oe.epci_siren
	WHERE oe.organisation_id = p_org
$$;

-- A CAF's beneficiaries by commune, in page order.
CREATE INDEX households_caf_insee ON households (insee, created_at, id) WHERE caf_number IS NOT NULL;
-- The recommendations addressed to an organisation, to their referral.
CREATE INDEX recommendations_addressee_referral ON recommendations (addressee_org_id, referral_id);
-- Procedures in page order (the other listed tables have theirs).
CREATE INDEX procedures_created ON procedures (created_at, id);

-- A superset of the households on which the organisation p_org, of kind
-- p_kind, holds one of the relations p_relations (a bitmask, as
-- household_relations() answers, and 256 for ASSIGNED on a letter, a MASP
-- measure or an outreach case, which only field_relations() reads on the
-- record itself) by household_relations(), ccapex_household_relations(),
-- orientation_household_relations(), procedure_relations(),
-- ccapex_referral_relations(), orientation_referral_relations() or
-- field_relations(). A household may come more than once. Each branch
-- reads one index whose key leads with the organisation. Written in SQL so
-- that the planner inlines it into the query that uses it, where p_kind
-- and p_relations prune the branches that cannot answer.
CREATE FUNCTION visible_household_candidates(p_org uuid, p_kind text, p_relations integer)
RETURNS TABLE (household_id uuid) LANGUAGE sql STABLE AS $$
	SELECT h.id FROM households h
	WHERE p_kind IN ('prefecture', 'departement') AND p_relations & 2 <> 0
	  AND insee_departement(h.insee) IN (SELECT d.departement_code FROM organisation_departements d
					     WHERE d.organisation_id = p_org)
	UNION ALL
	SELECT p.household_id FROM procedures p
	WHERE p.filed_by_org = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 4 <> 0
	UNION ALL
	SELECT h.id FROM households h
	WHERE h.created_by_org = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 4 <> 0
	UNION ALL
	SELECT p.household_id FROM procedure_events e JOIN procedures p ON p.id = e.procedure_id
	WHERE e.organisation_id = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 4 <> 0
	UNION ALL
	SELECT r.household_id FROM referrals r
	WHERE r.created_by_org = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 4 <> 0
	UNION ALL
	SELECT h.id FROM households h
	WHERE h.landlord_org_id = p_org AND p_kind IN ('social_landlord', 'private_landlord') AND p_relations & 8 <> 0
	UNION ALL
	SELECT d.household_id FROM diagnostics d WHERE d.assigned_org_id = p_org AND p_relations & 16 <> 0
	UNION ALL
	SELECT l.household_id FROM prevention_letters l WHERE l.operator_org_id = p_org AND p_relations & 256 <> 0
	UNION ALL
	SELECT m.household_id FROM masp_measures m WHERE m.operator_org_id = p_org AND p_relations & 256 <> 0
	UNION ALL
	SELECT c.household_id FROM outreach_cases c WHERE c.assigned_org_id = p_org AND p_relations & 256 <> 0
	UNION ALL
	SELECT r.household_id FROM recommendations m JOIN referrals r ON r.id = m.referral_id
	WHERE m.addressee_org_id = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 32 <> 0
	UNION ALL
	SELECT o.household_id FROM referral_orientations o
	WHERE o.addressee_org_id = p_org AND p_kind IN ('adil', 'social_service', 'association')
	  AND p_relations & 32 <> 0
	UNION ALL
	SELECT h.id FROM households h
	WHERE p_kind = 'social_service' AND p_relations & 64 <> 0
	  AND h.insee IN (SELECT t.insee FROM territory_communes(p_org) t)
	UNION ALL
	SELECT h.id FROM households h
	WHERE p_kind = 'caf' AND p_relations & 128 <> 0 AND h.caf_number IS NOT NULL
	  AND h.insee IN (SELECT t.insee FROM territory_communes(p_org) t)
$$;

-- Whether the household is one of visible_household_candidates(p_org,
-- p_kind, p_relations), by index probes on that household: for a list
-- that reads its table in page order when the candidates are many, and
-- stops after a page. Low cost, so that it runs before the relations
-- function.
CREATE FUNCTION household_is_candidate(p_household uuid, p_org uuid, p_kind text, p_relations integer)
RETURNS boolean LANGUAGE plpgsql STABLE COST 10 AS $$
DECLARE
	wide boolean := p_kind IN ('prefecture', 'departement');
	h households;
BEGIN
	-- One small statement per source, each plan kept for the session, in
	-- the order that answers most lists first: the household's own columns.
	SELECT * INTO h FROM households x WHERE x.id = p_household;
	IF wide AND p_relations & 2 <> 0 THEN
		IF EXISTS (SELECT 1 FROM organisation_departements d
			   WHERE d.organisation_id = p_org AND d.departement_code = insee_departement(h.insee)) THEN
			RETURN true;
		END IF;
	END IF;
	IF NOT wide AND p_relations & 4 <> 0 AND h.created_by_org = p_org
	   OR p_kind IN ('social_landlord', 'private_landlord') AND p_relations & 8 <> 0 AND h.landlord_org_id = p_org
	   OR p_kind = 'caf' AND p_relations & 128 <> 0 AND h.caf_number IS NOT NULL AND territory_covers(p_org, h.insee)
	   OR p_kind = 'social_service' AND p_relations & 64 <> 0 AND territory_covers(p_org, h.insee) THEN
		RETURN true;
	END IF;
	IF NOT wide AND p_relations & 4 <> 0 THEN
		IF EXISTS (SELECT 1 FROM procedures p WHERE p.household_id = p_household AND p.filed_by_org = p_org)
		   OR EXISTS (SELECT 1 FROM procedures p JOIN procedure_events e ON e.procedure_id = p.id
			      WHERE p.household_id = p_household AND e.organisation_id = p_org)
		   OR EXISTS (SELECT 1 FROM referrals r WHERE r.household_id = p_household AND r.created_by_org = p_org) THEN
			RETURN true;
		END IF;
	END IF;
	IF p_relations & 16 <> 0
	   AND EXISTS (SELECT 1 FROM diagnostics d WHERE d.assigned_org_id = p_org AND d.household_id = p_household) THEN
		RETURN true;
	END IF;
	IF p_relations & 256 <> 0
	   AND (EXISTS (SELECT 1 FROM prevention_letters l WHERE l.household_id = p_household AND l.operator_org_id = p_org)
		OR EXISTS (SELECT 1 FROM masp_measures m WHERE m.household_id = p_household AND m.operator_org_id = p_org)
		OR EXISTS (SELECT 1 FROM outreach_cases c WHERE c.household_id = p_household AND c.assigned_org_id = p_org)) THEN
		RETURN true;
	END IF;
	IF p_relations & 32 <> 0 THEN
		RETURN NOT wide AND EXISTS (SELECT 1 FROM referrals r JOIN recommendations m ON m.referral_id = r.id
					    WHERE r.household_id = p_household AND m.addressee_org_id = p_org)
		    OR p_kind IN ('adil', 'social_service', 'association')
		       AND EXISTS (SELECT 1 FROM referral_orientations o
				   WHERE o.addressee_org_id = p_org AND o.household_id = p_household);
	END IF;
	RETURN false;
END
$$;

-- The (organisation, household) pairs on which a relations function
-- answers a relation that visible_household_candidates() or
-- household_is_candidate() does not give: none, or the lists would hide
-- them. Asks every function of every
-- household, procedure, referral and field record for each organisation
-- of p_orgs (a full scan: for the tests and for an operator's check, not
-- for a request). fn names the function that found the pair.
CREATE FUNCTION visibility_candidates_missing(p_orgs uuid[])
RETURNS TABLE (organisation_id uuid, kind text, household_id uuid, fn text, relation integer) LANGUAGE sql STABLE AS $$
	WITH o AS MATERIALIZED (SELECT o.id, o.kind FROM organisations o WHERE o.id = ANY (p_orgs)),
	pairs AS (
		SELECT o.id AS org, o.kind, h.id AS household, 'household_relations' AS fn,
		       household_relations(h, o.id, o.kind) | orientation_household_relations(h.id, o.id, o.kind) AS rel
		FROM o CROSS JOIN households h
		UNION ALL
		SELECT o.id, o.kind, h.id, 'ccapex_household_relations',
		       ccapex_household_relations(h, o.id, o.kind)
		FROM o CROSS JOIN households h
		UNION ALL
		SELECT o.id, o.kind, p.household_id, 'procedure_relations',
		       procedure_relations(p, h, o.id, o.kind)
		FROM o CROSS JOIN procedures p JOIN households h ON h.id = p.household_id
		UNION ALL
		SELECT o.id, o.kind, r.household_id, 'orientation_referral_relations',
		       orientation_referral_relations(r, o.id, o.kind)
		FROM o CROSS JOIN referrals r
		UNION ALL
		SELECT o.id, o.kind, f.household_id, 'field_relations',
		       field_relations(f.assigned, f.household_id, o.id, o.kind)
		FROM o CROSS JOIN (SELECT d.assigned_org_id, d.household_id FROM diagnostics d
				   UNION ALL SELECT l.operator_org_id, l.household_id FROM prevention_letters l
				   UNION ALL SELECT m.operator_org_id, m.household_id FROM masp_measures m
				   UNION ALL SELECT c.assigned_org_id, c.household_id FROM outreach_cases c)
			f (assigned, household_id))
	SELECT DISTINCT p.org, p.kind, p.household, p.fn, b.rel FROM pairs p
	CROSS JOIN LATERAL (SELECT 1 << i AS rel,
				   -- as the field lists ask for it (storage/field_store.c)
				   CASE WHEN p.fn = 'field_relations' AND i = 4 THEN 16 | 256 ELSE 1 << i END AS asked
			    FROM generate_series(1, 7) i) b
	WHERE p.rel & b.rel <> 0
	  AND (NOT EXISTS (SELECT 1 FROM visible_household_candidates(p.org, p.kind, b.asked) c
			   WHERE c.household_id = p.household)
	       OR NOT household_is_candidate(p.household, p.org, p.kind, b.asked))
$$;

ANALYZE households;
ANALYZE procedures;
ANALYZE recommendations;
ANALYZE referral_orientations;
