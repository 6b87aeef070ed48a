-- Lists and key figures at national size, continued (issue 17).
--
-- 1. An organisation's candidates outside its départements came as one set
--    (visible_household_candidates_outside() of 0030), whose rows a list
--    read all, then sorted: right for the few records a bailiff or a
--    landlord holds elsewhere, not for a territory that reaches into
--    other départements. A CAF whose EPCIs include the Métropole du Grand
--    Paris has 61,000 households in Paris and its neighbours, and its
--    first page took 4 s. The function now gives each candidate's
--    département, so that a list reads the départements where they are
--    many in page order (storage/db.h, DB_VISIBLE_PAGE), as it reads its
--    own.
-- 2. A préfecture's or a département's key figures counted the acts,
--    letters, referrals and opinions of their départements by looking
--    each household of the départements up (40,000 in the Nord): 1.7 s.
--    The rows carry their département (0029, 0030); they are now read by
--    it and by their date, with these indexes.

CREATE INDEX procedure_events_departement_date ON procedure_events (departement_code, event_date);
CREATE INDEX referrals_departement_referred ON referrals (departement_code, referred_on);
CREATE INDEX prevention_letters_departement_sent ON prevention_letters (departement_code, sent_on);

-- 0030's, with the département of each candidate's household (which the
-- rows of each source carry, as their household's). The same rows.
DROP FUNCTION visible_household_candidates_outside(uuid, text, integer);
CREATE FUNCTION visible_household_candidates_outside(p_org uuid, p_kind text, p_relations integer)
RETURNS TABLE (household_id uuid, departement_code text) LANGUAGE sql STABLE AS $$
	WITH mine AS MATERIALIZED (SELECT d.departement_code FROM organisation_departements d
				   WHERE d.organisation_id = p_org)
	SELECT p.household_id, p.departement_code FROM procedures p
	WHERE p.filed_by_org = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 4 <> 0
	  AND p.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT h.id, insee_departement(h.insee) FROM households h
	WHERE h.created_by_org = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 4 <> 0
	  AND insee_departement(h.insee) NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT p.household_id, e.departement_code FROM procedure_events e JOIN procedures p ON p.id = e.procedure_id
	WHERE e.organisation_id = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 4 <> 0
	  AND e.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT r.household_id, r.departement_code FROM referrals r
	WHERE r.created_by_org = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 4 <> 0
	  AND r.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT h.id, insee_departement(h.insee) FROM households h
	WHERE h.landlord_org_id = p_org AND p_kind IN ('social_landlord', 'private_landlord') AND p_relations & 8 <> 0
	  AND insee_departement(h.insee) NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT d.household_id, d.departement_code FROM diagnostics d WHERE d.assigned_org_id = p_org AND p_relations & 16 <> 0
	  AND d.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT l.household_id, l.departement_code FROM prevention_letters l WHERE l.operator_org_id = p_org AND p_relations & 256 <> 0
	  AND l.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT m.household_id, m.departement_code FROM masp_measures m WHERE m.operator_org_id = p_org AND p_relations & 256 <> 0
	  AND m.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT c.household_id, c.departement_code FROM outreach_cases c WHERE c.assigned_org_id = p_org AND p_relations & 256 <> 0
	  AND c.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT r.household_id, r.departement_code FROM recommendations m JOIN referrals r ON r.id = m.referral_id
	WHERE m.addressee_org_id = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 32 <> 0
	  AND r.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT o.household_id, insee_departement(h.insee) FROM referral_orientations o JOIN households h ON h.id = o.household_id
	WHERE o.addressee_org_id = p_org AND p_kind IN ('adil', 'social_service', 'association')
	  AND p_relations & 32 <> 0 AND insee_departement(h.insee) NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT h.id, insee_departement(h.insee) FROM households h
	WHERE p_kind = 'social_service' AND p_relations & 64 <> 0
	  AND h.insee IN (SELECT t.insee FROM territory_communes(p_org) t
			  WHERE insee_departement(t.insee) NOT IN (SELECT departement_code FROM mine))
	UNION ALL
	SELECT h.id, insee_departement(h.insee) FROM households h
	WHERE p_kind = 'caf' AND p_relations & 128 <> 0 AND h.caf_number IS NOT NULL
	  AND h.insee IN (SELECT t.insee FROM territory_communes(p_org) t
			  WHERE insee_departement(t.insee) NOT IN (SELECT departement_code FROM mine))
$$;
