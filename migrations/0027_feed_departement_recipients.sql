-- The feed's préfecture and département recipients chosen at the source
-- (issue 17). The publishers of 0013, 0017 and 0020 addressed every
-- préfecture and every Conseil départemental of the deployment on each
-- event, and the trigger feed_events_departement (0024) then discarded the
-- rows of those outside the household's département, one lookup per row:
-- at 202 such organisations, every write did two hundred inserts for two
-- kept rows. Each publisher now addresses only the organisations of the
-- household's département (organisation_departements_code, 0024); what a
-- recipient reads is unchanged.

-- The préfectures and Conseils départementaux of the commune's département:
-- those holding DEPARTEMENT (2) on a case there. One row per organisation
-- (the primary key of organisation_departements). One SELECT, so that
-- PostgreSQL inlines it into the caller's statement.
CREATE FUNCTION feed_departement_recipients(p_insee text) RETURNS TABLE (organisation_id uuid)
LANGUAGE sql STABLE AS $$
	SELECT o.id FROM organisation_departements d JOIN organisations o ON o.id = d.organisation_id
	WHERE d.departement_code = insee_departement(p_insee) AND o.kind IN ('prefecture', 'departement')
$$;

-- feed_stage_recipients() of 0013, the préfecture and the département of the
-- household's département only; the rest unchanged.
CREATE OR REPLACE FUNCTION feed_stage_recipients(p_procedures uuid[])
RETURNS TABLE (procedure_id uuid, organisation_id uuid, relations integer) LANGUAGE sql STABLE AS $$
	WITH ph AS MATERIALIZED (SELECT p.id AS procedure_id, h.id AS household_id, h.insee, h.created_by_org,
				    h.landlord_org_id, h.caf_number IS NOT NULL AS has_caf, p.filed_by_org
				FROM procedures p JOIN households h ON h.id = p.household_id
				WHERE p.id = ANY (p_procedures)),
	cand AS (SELECT procedure_id, created_by_org AS org, 4 AS ground, has_caf FROM ph
		UNION ALL SELECT procedure_id, filed_by_org, 4, has_caf FROM ph
		UNION ALL SELECT ph.procedure_id, e.organisation_id, 4, ph.has_caf FROM ph
			JOIN procedure_events e ON e.procedure_id = ph.procedure_id
		UNION ALL SELECT procedure_id, landlord_org_id, 8, has_caf FROM ph WHERE landlord_org_id IS NOT NULL
		UNION ALL SELECT ph.procedure_id, d.assigned_org_id, 16, ph.has_caf FROM ph
			JOIN diagnostics d ON d.household_id = ph.household_id WHERE d.assigned_org_id IS NOT NULL
		UNION ALL SELECT ph.procedure_id, oc.organisation_id, 64, ph.has_caf FROM ph
			JOIN organisation_communes oc ON oc.insee = ph.insee
		UNION ALL SELECT ph.procedure_id, oe.organisation_id, 64, ph.has_caf FROM ph
			JOIN communes cm ON cm.insee = ph.insee JOIN organisation_epcis oe ON oe.epci_siren = cm.epci_siren
		UNION ALL SELECT ph.procedure_id, m.addressee_org_id, 32, ph.has_caf FROM ph
			JOIN referrals r ON r.household_id = ph.household_id JOIN recommendations m ON m.referral_id = r.id),
	rel AS (SELECT ph.procedure_id, r.organisation_id AS org, 2 AS rel FROM ph
			CROSS JOIN LATERAL feed_departement_recipients(ph.insee) r
		UNION ALL SELECT c.procedure_id, o.id, bit_or(CASE c.ground
			WHEN 8 THEN CASE WHEN o.kind IN ('social_landlord', 'private_landlord') THEN 8 ELSE 0 END
			WHEN 16 THEN CASE WHEN o.kind IN ('adil', 'social_service', 'association') THEN 16 ELSE 0 END
			WHEN 64 THEN CASE WHEN o.kind = 'social_service' THEN 64
					  WHEN o.kind = 'caf' AND c.has_caf THEN 128 ELSE 0 END
			ELSE c.ground END)
		FROM cand c JOIN organisations o ON o.id = c.org AND o.kind NOT IN ('prefecture', 'departement')
		GROUP BY c.procedure_id, o.id)
	SELECT rel.procedure_id, rel.org, rel.rel FROM rel WHERE rel.rel <> 0
$$;

-- feed_benefit_decision() of 0017: the addressee CAF and the préfecture and
-- département of the household's département.
CREATE OR REPLACE FUNCTION feed_benefit_decision() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	v_type text := CASE NEW.status WHEN 'open' THEN 'benefit_decision.opened'
				       WHEN 'decided' THEN 'benefit_decision.decided'
				       ELSE 'benefit_decision.applied' END;
	v_payload jsonb := jsonb_build_object('benefit_decision_id', NEW.id, 'household_id', NEW.household_id,
					      'caf_signal_id', NEW.caf_signal_id, 'status', NEW.status,
					      'decision', NEW.decision, 'decided_on', NEW.decided_on,
					      'applied_on', NEW.applied_on);
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.status = NEW.status THEN
		RETURN NULL;
	END IF;
	PERFORM feed_publish(o.id, CASE WHEN o.kind IN ('prefecture', 'departement') THEN 2 ELSE 32 END, v_type,
			     'benefit_decision', NEW.id, v_payload)
	FROM organisations o
	WHERE o.id = NEW.addressee_org_id
	   OR o.id IN (SELECT r.organisation_id FROM households h
		       CROSS JOIN LATERAL feed_departement_recipients(h.insee) r WHERE h.id = NEW.household_id)
	ORDER BY o.id;
	RETURN NULL;
END
$$;

-- household_anonymise() of 0020, its household.erased event addressed to the
-- préfecture and département of the household's département only; the rest
-- unchanged.
CREATE OR REPLACE FUNCTION household_anonymise(p_household uuid, p_cause text, p_reason text,
				    OUT outcome text, OUT open_procedure uuid) LANGUAGE plpgsql AS $$
DECLARE
	h households;
	v_pos xid8;
	v_erased text := '[erased]';
BEGIN
	SELECT * INTO h FROM households WHERE id = p_household FOR UPDATE;
	IF NOT FOUND THEN
		outcome := 'missing';
		RETURN;
	END IF;
	IF h.erased_at IS NOT NULL THEN
		outcome := 'already';
		RETURN;
	END IF;
	SELECT p.id INTO open_procedure FROM procedures p WHERE p.household_id = p_household AND p.status <> 'closed'
	ORDER BY p.created_at, p.id LIMIT 1;
	IF open_procedure IS NOT NULL THEN
		outcome := 'open_procedure';
		RETURN;
	END IF;

	v_pos := feed_position('household', p_household);
	INSERT INTO feed_events (organisation_id, pos, type, resource_type, resource_id, relations, payload)
	SELECT c.org, v_pos, 'household.erased', 'household', p_household, c.rel,
	       jsonb_build_object('household_id', p_household, 'cause', p_cause, 'erased_at', rfc3339(now()))
	FROM (SELECT o.id AS org,
		     CASE WHEN o.kind IN ('prefecture', 'departement') THEN 2
		     ELSE ccapex_household_relations(h, o.id, o.kind) | orientation_household_relations(h.id, o.id, o.kind)
		     END AS rel
	      FROM organisations o
	      WHERE o.id IN (
		SELECT r.organisation_id FROM feed_departement_recipients(h.insee) r
		UNION SELECT h.created_by_org
		UNION SELECT h.landlord_org_id
		UNION SELECT p.filed_by_org FROM procedures p WHERE p.household_id = h.id
		UNION SELECT e.organisation_id FROM procedure_events e JOIN procedures p ON p.id = e.procedure_id
		      WHERE p.household_id = h.id
		UNION SELECT d.assigned_org_id FROM diagnostics d WHERE d.household_id = h.id
		UNION SELECT oc.organisation_id FROM organisation_communes oc WHERE oc.insee = h.insee
		UNION SELECT oe.organisation_id FROM organisation_epcis oe JOIN communes cm ON cm.epci_siren = oe.epci_siren
		      WHERE cm.insee = h.insee
		UNION SELECT m.addressee_org_id FROM recommendations m JOIN referrals r ON r.id = m.referral_id
		      WHERE r.household_id = h.id
		UNION SELECT o.addressee_org_id FROM referral_orientations o WHERE o.household_id = h.id)
	      ORDER BY o.id) c
	WHERE c.rel <> 0;

	UPDATE households SET address_line = NULL, landlord_name = NULL, landlord_contact = NULL, income_cents = NULL,
		caf_number = NULL, phone = NULL, email = NULL, vulnerability_notes = NULL, holder_name = NULL,
		erased_at = now(), erasure_cause = p_cause, erasure_reason = p_reason,
		version = version + 1, updated_at = now()
	WHERE id = p_household;
	UPDATE procedures SET reference = NULL, version = version + 1, updated_at = now()
	WHERE household_id = p_household AND reference IS NOT NULL;
	UPDATE diagnostics SET note = NULL, report = report - 'comment', version = version + 1, updated_at = now()
	WHERE household_id = p_household AND (note IS NOT NULL OR report ? 'comment');
	UPDATE referrals SET reason = NULL,
		inadmissible_reason = CASE WHEN inadmissible_reason IS NOT NULL THEN v_erased END,
		version = version + 1, updated_at = now()
	WHERE household_id = p_household AND (reason IS NOT NULL OR inadmissible_reason IS NOT NULL);
	UPDATE referral_orientations SET note = NULL, report = CASE WHEN report IS NOT NULL THEN v_erased END,
		version = version + 1, updated_at = now()
	WHERE household_id = p_household AND (note IS NOT NULL OR report IS NOT NULL);
	UPDATE opinions o SET summary = v_erased, version = o.version + 1, updated_at = now()
	FROM referrals r WHERE r.id = o.referral_id AND r.household_id = p_household AND o.summary <> v_erased;
	UPDATE recommendations m SET body = v_erased, comment = NULL, version = m.version + 1, updated_at = now()
	FROM referrals r WHERE r.id = m.referral_id AND r.household_id = p_household
	  AND (m.body <> v_erased OR m.comment IS NOT NULL);
	UPDATE outreach_cases SET note = NULL, version = version + 1, updated_at = now()
	WHERE household_id = p_household AND note IS NOT NULL;
	UPDATE outreach_interventions i SET outcome = v_erased, note = NULL, version = i.version + 1, updated_at = now()
	FROM outreach_cases c WHERE c.id = i.case_id AND c.household_id = p_household
	  AND (i.outcome <> v_erased OR i.note IS NOT NULL);
	UPDATE prevention_letters SET note = NULL, version = version + 1, updated_at = now()
	WHERE household_id = p_household AND note IS NOT NULL;
	UPDATE masp_measures SET note = NULL, version = version + 1, updated_at = now()
	WHERE household_id = p_household AND note IS NOT NULL;
	UPDATE adil_contacts SET subject = NULL, version = version + 1, updated_at = now()
	WHERE household_id = p_household AND subject IS NOT NULL;
	UPDATE caf_signals SET caf_number = NULL, address_line = NULL, holder_name = NULL, version = version + 1,
		updated_at = now()
	WHERE household_id = p_household;
	UPDATE benefit_decisions SET reasons = CASE WHEN reasons IS NOT NULL THEN v_erased END,
		version = version + 1, updated_at = now()
	WHERE household_id = p_household AND reasons IS NOT NULL;
	outcome := 'anonymised';
END
$$;


-- The trigger of 0024 stays as a safety net for the publishers that address
-- one organisation named on the record, which feed_role_relations() of 0006
-- gives DEPARTEMENT alone when it is a préfecture or a département: it now
-- runs on the rows holding DEPARTEMENT alone, not on every row.
DROP TRIGGER feed_events_departement ON feed_events;
CREATE TRIGGER feed_events_departement BEFORE INSERT ON feed_events
	FOR EACH ROW WHEN (NEW.relations = 2) EXECUTE FUNCTION feed_events_departement();
