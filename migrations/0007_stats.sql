-- Key figures (issue 7): indexes for the yearly counts, the households an
-- organisation counts as its own cases, and the ADIL's legal-information
-- contacts. No aggregate is stored: every figure is counted from these
-- rows when asked.

-- Acts by date and kind; corrections repeat an act and are not counted.
CREATE INDEX procedure_events_acts ON procedure_events (event_date, kind)
	INCLUDE (with_cfp, procedure_id) WHERE corrects IS NULL;
CREATE INDEX referrals_referred ON referrals (referred_on) INCLUDE (kind, epci_siren, complex);
CREATE INDEX commissions_held ON commissions (session_date) WHERE level = 'operational';
CREATE INDEX outreach_cases_opened ON outreach_cases (opened_on);
CREATE INDEX outreach_interventions_visits ON outreach_interventions (case_id) WHERE kind = 'home_visit';

-- The ADIL's legal-information contacts (households or landlords who
-- called or met it), optionally after a prevention letter. The seed counts
-- more of them (796 in 2020) than households answering a letter (8 % of
-- 4,554), so they are records of their own, not a letter outcome.
CREATE TABLE adil_contacts (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	organisation_id uuid NOT NULL REFERENCES organisations (id),
	household_id uuid REFERENCES households (id),
	letter_id uuid REFERENCES prevention_letters (id),
	contact_on date NOT NULL,
	caller text NOT NULL CHECK (caller IN ('household', 'landlord', 'partner')),
	created_by_org uuid NOT NULL REFERENCES organisations (id),
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX adil_contacts_on ON adil_contacts (contact_on);
CREATE INDEX adil_contacts_household ON adil_contacts (household_id) WHERE household_id IS NOT NULL;

-- The households an organisation counts as its own cases for statistics:
-- it created the record, is the landlord, filed a procedure or an act of
-- it, operates a diagnostic, a letter, a measure or an outreach case on
-- it, or made a referral about it. Each branch runs on an index.
CREATE FUNCTION stats_own_households(p_org uuid) RETURNS TABLE (household_id uuid)
LANGUAGE sql STABLE AS $$
	SELECT h.id FROM households h WHERE h.landlord_org_id = p_org
	UNION SELECT h.id FROM households h WHERE h.created_by_org = p_org
	UNION SELECT p.household_id FROM procedures p WHERE p.filed_by_org = p_org
	UNION SELECT p.household_id FROM procedure_events e JOIN procedures p ON p.id = e.procedure_id
		WHERE e.organisation_id = p_org
	UNION SELECT d.household_id FROM diagnostics d WHERE d.assigned_org_id = p_org
	UNION SELECT r.household_id FROM referrals r WHERE r.created_by_org = p_org
	UNION SELECT l.household_id FROM prevention_letters l WHERE l.operator_org_id = p_org
	UNION SELECT m.household_id FROM masp_measures m WHERE m.operator_org_id = p_org
	UNION SELECT c.household_id FROM outreach_cases c WHERE c.assigned_org_id = p_org
$$;

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prevex_app') THEN
		GRANT SELECT, INSERT ON adil_contacts TO prevex_app;
	END IF;
END
$$;

-- The visibility functions of 0003, 0004 and 0005 again, in PL/pgSQL. As
-- SQL functions with sub-selects they cannot be inlined, so PostgreSQL
-- planned their queries anew at every call: the read of one household,
-- and every stage change (whose feed trigger asks each candidate
-- organisation its relations), paid that planning each time. PL/pgSQL
-- keeps each statement's plan for the session, and returns as soon as the
-- answer is known. Same arguments, same answers: the tests of 0003 to 0006
-- hold them.
CREATE OR REPLACE FUNCTION territory_covers(p_org uuid, p_insee text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN EXISTS (SELECT 1 FROM organisation_communes oc WHERE oc.organisation_id = p_org AND oc.insee = p_insee)
	    OR EXISTS (SELECT 1 FROM organisation_epcis oe JOIN communes c ON c.epci_siren = oe.epci_siren
		       WHERE oe.organisation_id = p_org AND c.insee = p_insee);
END
$$;

CREATE OR REPLACE FUNCTION field_territory_covers(p_org uuid, p_insee text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN territory_covers(p_org, p_insee);
END
$$;

CREATE OR REPLACE FUNCTION household_relations(h households, p_org uuid, p_kind text) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
DECLARE
	rel integer := 0;
BEGIN
	IF p_kind IN ('prefecture', 'departement') THEN
		RETURN 2;
	END IF;
	IF h.created_by_org = p_org
	   OR EXISTS (SELECT 1 FROM procedures p WHERE p.household_id = h.id AND p.filed_by_org = p_org)
	   OR EXISTS (SELECT 1 FROM procedures p JOIN procedure_events e ON e.procedure_id = p.id
		      WHERE p.household_id = h.id AND e.organisation_id = p_org) THEN
		rel := rel | 4;
	END IF;
	IF p_kind IN ('social_landlord', 'private_landlord') AND h.landlord_org_id = p_org THEN
		rel := rel | 8;
	END IF;
	IF p_kind IN ('adil', 'social_service', 'association')
	   AND EXISTS (SELECT 1 FROM diagnostics d WHERE d.household_id = h.id AND d.assigned_org_id = p_org) THEN
		rel := rel | 16;
	END IF;
	IF p_kind = 'social_service' AND territory_covers(p_org, h.insee) THEN
		rel := rel | 64;
	END IF;
	IF p_kind = 'caf' AND h.caf_number IS NOT NULL AND territory_covers(p_org, h.insee) THEN
		rel := rel | 128;
	END IF;
	RETURN rel;
END
$$;

CREATE OR REPLACE FUNCTION procedure_relations(p procedures, h households, p_org uuid, p_kind text) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
DECLARE
	rel integer := household_relations(h, p_org, p_kind);
BEGIN
	IF p_kind IN ('prefecture', 'departement') THEN
		RETURN rel;
	END IF;
	rel := rel & ~4;
	IF h.created_by_org = p_org OR p.filed_by_org = p_org
	   OR EXISTS (SELECT 1 FROM procedure_events e WHERE e.procedure_id = p.id AND e.organisation_id = p_org) THEN
		rel := rel | 4;
	END IF;
	RETURN rel;
END
$$;

CREATE OR REPLACE FUNCTION ccapex_household_relations(h households, p_org uuid, p_kind text) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
DECLARE
	rel integer := household_relations(h, p_org, p_kind);
BEGIN
	IF p_kind NOT IN ('prefecture', 'departement')
	   AND EXISTS (SELECT 1 FROM recommendations m JOIN referrals r ON r.id = m.referral_id
		       WHERE r.household_id = h.id AND m.addressee_org_id = p_org) THEN
		rel := rel | 32;
	END IF;
	RETURN rel;
END
$$;

-- The feed trigger of 0006 again, asking each candidate organisation its
-- relations once. The préfecture and the département hold DEPARTEMENT (2)
-- on every case, and nothing more (household_relations() returns 2 for
-- them, and ccapex_household_relations() adds ADDRESSEE only for the
-- others): no call. Every other candidate gets procedure_relations() and
-- the ADDRESSEE bit from one EXISTS, where 0006 called
-- procedure_relations() and ccapex_household_relations(), each of which
-- calls household_relations(): one call where there were four. Same
-- candidates, same relations. Its statements are planned once per session
-- (a generic plan): their custom plans, made anew for every stage change,
-- cost more than the plans gained.
CREATE OR REPLACE FUNCTION feed_procedure_stage() RETURNS trigger LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	h households;
	v_pos xid8 := feed_position('procedure', NEW.id);
	v_payload jsonb := jsonb_build_object('procedure_id', NEW.id, 'household_id', NEW.household_id,
					      'stage', NEW.stage, 'previous_stage', OLD.stage, 'status', NEW.status);
BEGIN
	SELECT * INTO h FROM households WHERE id = NEW.household_id;
	INSERT INTO feed_events (organisation_id, pos, type, resource_type, resource_id, relations, payload)
	SELECT c.org, v_pos, 'procedure.stage_changed', 'procedure', NEW.id, c.rel, v_payload
	FROM (SELECT o.id AS org,
		     CASE WHEN o.kind IN ('prefecture', 'departement') THEN 2
		     ELSE procedure_relations(NEW, h, o.id, o.kind)
			  | CASE WHEN EXISTS (SELECT 1 FROM recommendations m JOIN referrals r ON r.id = m.referral_id
					      WHERE r.household_id = h.id AND m.addressee_org_id = o.id) THEN 32 ELSE 0 END
		     END AS rel
	      FROM organisations o
	      WHERE o.id IN (
		SELECT x.id FROM organisations x WHERE x.kind IN ('prefecture', 'departement')
		UNION SELECT h.created_by_org
		UNION SELECT NEW.filed_by_org
		UNION SELECT e.organisation_id FROM procedure_events e WHERE e.procedure_id = NEW.id
		UNION SELECT h.landlord_org_id
		UNION SELECT d.assigned_org_id FROM diagnostics d WHERE d.household_id = h.id
		UNION SELECT oc.organisation_id FROM organisation_communes oc WHERE oc.insee = h.insee
		UNION SELECT oe.organisation_id FROM organisation_epcis oe JOIN communes cm ON cm.epci_siren = oe.epci_siren
		      WHERE cm.insee = h.insee
		UNION SELECT m.addressee_org_id FROM recommendations m JOIN referrals r ON r.id = m.referral_id
		      WHERE r.household_id = h.id)) c
	WHERE c.rel <> 0;
	RETURN NULL;
END
$$;
