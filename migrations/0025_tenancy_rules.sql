-- Départements as tenants (issue 17), the rules 0024 left open.

-- A CLIL's name is unique within its département: two départements may
-- each have a "CLIL Nord".
ALTER TABLE clils DROP CONSTRAINT clils_name_key,
	ADD CONSTRAINT clils_name_departement_key UNIQUE (departement_code, name);

-- The département an audit entry is about: its household's (the household
-- itself, or a record attached to one), a session's or a CLIL's own; NULL
-- for an entry about nothing of a département (an organisation, a client,
-- a list), or about a record that no longer exists.
CREATE FUNCTION audit_entry_departement(p_type text, p_id text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_id uuid;
	v_household uuid;
BEGIN
	IF p_id IS NULL OR p_id !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
		RETURN NULL;
	END IF;
	v_id := p_id::uuid;
	IF p_type = 'commission' THEN
		RETURN (SELECT k.departement_code FROM commissions k WHERE k.id = v_id);
	ELSIF p_type = 'clil' THEN
		RETURN (SELECT l.departement_code FROM clils l WHERE l.id = v_id);
	END IF;
	v_household := CASE p_type
		WHEN 'household' THEN v_id
		WHEN 'household_timeline' THEN v_id
		WHEN 'procedure' THEN (SELECT p.household_id FROM procedures p WHERE p.id = v_id)
		WHEN 'procedure_event' THEN (SELECT p.household_id FROM procedure_events e
					     JOIN procedures p ON p.id = e.procedure_id WHERE e.id = v_id)
		WHEN 'referral' THEN (SELECT r.household_id FROM referrals r WHERE r.id = v_id)
		WHEN 'recommendation' THEN (SELECT r.household_id FROM recommendations m
					    JOIN referrals r ON r.id = m.referral_id WHERE m.id = v_id)
		WHEN 'diagnostic' THEN (SELECT d.household_id FROM diagnostics d WHERE d.id = v_id)
		WHEN 'outreach_case' THEN (SELECT c.household_id FROM outreach_cases c WHERE c.id = v_id)
		WHEN 'outreach_intervention' THEN (SELECT c.household_id FROM outreach_interventions i
						   JOIN outreach_cases c ON c.id = i.case_id WHERE i.id = v_id)
		WHEN 'prevention_letter' THEN (SELECT l.household_id FROM prevention_letters l WHERE l.id = v_id)
		WHEN 'masp_measure' THEN (SELECT m.household_id FROM masp_measures m WHERE m.id = v_id)
		WHEN 'caf_signal' THEN (SELECT s.household_id FROM caf_signals s WHERE s.id = v_id)
		WHEN 'benefit_decision' THEN (SELECT b.household_id FROM benefit_decisions b WHERE b.id = v_id)
		END;
	RETURN (SELECT insee_departement(h.insee) FROM households h WHERE h.id = v_household);
END
$$;

-- Whether the reader (a préfecture's administrator) reads an audit entry:
-- an entry about a record of a département, when that département is one
-- of the reader's, whoever acted; any other entry, when the organisation
-- that acted shares a département with the reader.
CREATE FUNCTION audit_entry_readable(p_reader uuid, p_actor uuid, p_type text, p_id text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_departement text := audit_entry_departement(p_type, p_id);
BEGIN
	IF v_departement IS NOT NULL THEN
		RETURN EXISTS (SELECT 1 FROM organisation_departements d
			       WHERE d.organisation_id = p_reader AND d.departement_code = v_departement);
	END IF;
	RETURN EXISTS (SELECT 1 FROM organisation_departements x
		       JOIN organisation_departements y USING (departement_code)
		       WHERE x.organisation_id = p_actor AND y.organisation_id = p_reader);
END
$$;
