-- The other kinds' lists at national size (issue 17).
--
-- An organisation that is neither a préfecture nor a département, with
-- more than 2,000 candidate households (a bailiff, a landlord, a CAF, an
-- ADIL of a large département), read its table in page order and probed
-- each row's household: its rows are a small share of a national table
-- (and, in the national demo, come after those of the départements
-- loaded before its own), so a page read up to the whole table: 14 to 30 s
-- for the Nord's. Its lists now take the départements' path (0029) too:
-- the rows of each of its départements in page order, each probed, where
-- its rows are dense; and beside them the rows of its candidates outside
-- its départements, found by indexes that lead with the organisation and
-- carry the département (visible_household_candidates_outside()), so
-- that the few records it holds elsewhere (a household it is the landlord
-- of, a case moved away) are read without reading all the others.
--
-- The acts an organisation records (procedure_events) keep the département
-- of their procedure too, as the tables of 0029 do.

-- Acts are append-only (0003): their département is the one thing that
-- changes, with their household's commune.
CREATE OR REPLACE FUNCTION procedure_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND to_jsonb(NEW) - 'departement_code' = to_jsonb(OLD) - 'departement_code' THEN
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'procedure events are never changed: record a correction'
		USING ERRCODE = 'insufficient_privilege';
END
$$;

ALTER TABLE procedure_events ADD COLUMN departement_code text;
-- Written once here, without asking the guard of each of the rows.
ALTER TABLE procedure_events DISABLE TRIGGER procedure_events_append_only;
UPDATE procedure_events e SET departement_code = p.departement_code FROM procedures p WHERE p.id = e.procedure_id;
ALTER TABLE procedure_events ENABLE TRIGGER procedure_events_append_only;
ALTER TABLE procedure_events ALTER COLUMN departement_code SET NOT NULL;

CREATE FUNCTION departement_of_procedure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.departement_code := (SELECT p.departement_code FROM procedures p WHERE p.id = NEW.procedure_id);
	RETURN NEW;
END
$$;

CREATE TRIGGER procedure_events_departement BEFORE INSERT ON procedure_events
FOR EACH ROW EXECUTE FUNCTION departement_of_procedure();

-- The service writes that column of an act and no other (the guard
-- above refuses any other change).
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prevex_app') THEN
		GRANT UPDATE (departement_code) ON procedure_events TO prevex_app;
	END IF;
END
$$;

-- 0029's, with the acts.
CREATE OR REPLACE FUNCTION household_departement_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	d text := insee_departement(NEW.insee);
BEGIN
	UPDATE procedures SET departement_code = d WHERE household_id = NEW.id;
	UPDATE procedure_events e SET departement_code = d FROM procedures p
	WHERE p.household_id = NEW.id AND e.procedure_id = p.id;
	UPDATE referrals SET departement_code = d WHERE household_id = NEW.id;
	UPDATE diagnostics SET departement_code = d WHERE household_id = NEW.id;
	UPDATE outreach_cases SET departement_code = d WHERE household_id = NEW.id;
	UPDATE prevention_letters SET departement_code = d WHERE household_id = NEW.id;
	UPDATE masp_measures SET departement_code = d WHERE household_id = NEW.id;
	UPDATE prefecture_queue SET departement_code = d WHERE household_id = NEW.id;
	RETURN NULL;
END
$$;

-- Each source of visible_household_candidates() (0026) by organisation,
-- then département, with the household (or what leads to it).
CREATE INDEX procedures_filed_by_departement ON procedures (filed_by_org, departement_code) INCLUDE (household_id);
CREATE INDEX households_created_by_departement ON households (created_by_org, insee_departement(insee));
CREATE INDEX households_landlord_departement ON households (landlord_org_id, insee_departement(insee))
	WHERE landlord_org_id IS NOT NULL;
CREATE INDEX procedure_events_organisation_departement ON procedure_events (organisation_id, departement_code)
	INCLUDE (procedure_id);
CREATE INDEX referrals_created_by_departement ON referrals (created_by_org, departement_code) INCLUDE (household_id);
CREATE INDEX diagnostics_assigned_departement ON diagnostics (assigned_org_id, departement_code) INCLUDE (household_id);
CREATE INDEX prevention_letters_operator_departement ON prevention_letters (operator_org_id, departement_code)
	INCLUDE (household_id);
CREATE INDEX masp_measures_operator_departement ON masp_measures (operator_org_id, departement_code)
	INCLUDE (household_id);
CREATE INDEX outreach_cases_assigned_departement ON outreach_cases (assigned_org_id, departement_code)
	INCLUDE (household_id);

-- The candidates of visible_household_candidates(p_org, p_kind,
-- p_relations) whose household is outside the organisation's
-- départements: each source of that function, read by its index above
-- past the organisation's départements. DEPARTEMENT (2) has none there.
-- SQL, to be inlined where it is used.
CREATE FUNCTION visible_household_candidates_outside(p_org uuid, p_kind text, p_relations integer)
RETURNS TABLE (household_id uuid) LANGUAGE sql STABLE AS $$
	WITH mine AS MATERIALIZED (SELECT d.departement_code FROM organisation_departements d
				   WHERE d.organisation_id = p_org)
	SELECT p.household_id FROM procedures p
	WHERE p.filed_by_org = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 4 <> 0
	  AND p.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT h.id FROM households h
	WHERE h.created_by_org = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 4 <> 0
	  AND insee_departement(h.insee) NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT p.household_id FROM procedure_events e JOIN procedures p ON p.id = e.procedure_id
	WHERE e.organisation_id = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 4 <> 0
	  AND e.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT r.household_id FROM referrals r
	WHERE r.created_by_org = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 4 <> 0
	  AND r.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT h.id FROM households h
	WHERE h.landlord_org_id = p_org AND p_kind IN ('social_landlord', 'private_landlord') AND p_relations & 8 <> 0
	  AND insee_departement(h.insee) NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT d.household_id FROM diagnostics d WHERE d.assigned_org_id = p_org AND p_relations & 16 <> 0
	  AND d.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT l.household_id FROM prevention_letters l WHERE l.operator_org_id = p_org AND p_relations & 256 <> 0
	  AND l.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT m.household_id FROM masp_measures m WHERE m.operator_org_id = p_org AND p_relations & 256 <> 0
	  AND m.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT c.household_id FROM outreach_cases c WHERE c.assigned_org_id = p_org AND p_relations & 256 <> 0
	  AND c.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT r.household_id FROM recommendations m JOIN referrals r ON r.id = m.referral_id
	WHERE m.addressee_org_id = p_org AND p_kind NOT IN ('prefecture', 'departement') AND p_relations & 32 <> 0
	  AND r.departement_code NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT o.household_id FROM referral_orientations o JOIN households h ON h.id = o.household_id
	WHERE o.addressee_org_id = p_org AND p_kind IN ('adil', 'social_service', 'association')
	  AND p_relations & 32 <> 0 AND insee_departement(h.insee) NOT IN (SELECT departement_code FROM mine)
	UNION ALL
	SELECT h.id FROM households h
	WHERE p_kind = 'social_service' AND p_relations & 64 <> 0
	  AND h.insee IN (SELECT t.insee FROM territory_communes(p_org) t
			  WHERE insee_departement(t.insee) NOT IN (SELECT departement_code FROM mine))
	UNION ALL
	SELECT h.id FROM households h
	WHERE p_kind = 'caf' AND p_relations & 128 <> 0 AND h.caf_number IS NOT NULL
	  AND h.insee IN (SELECT t.insee FROM territory_communes(p_org) t
			  WHERE insee_departement(t.insee) NOT IN (SELECT departement_code FROM mine))
$$;
