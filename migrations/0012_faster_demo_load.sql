-- A faster stage change, and what the demo load and the key figures look up
-- (issue 7).

-- The feed trigger of 0006 and 0007 again, as one set-based statement. 0007
-- gathered the candidate organisations, then asked each one that is not the
-- préfecture or the département its relations through procedure_relations()
-- (a PL/pgSQL call that runs household_relations() and up to five queries)
-- plus an EXISTS for ADDRESSEE: about four calls and 0.75 ms per stage
-- change, most of the time of an event. Here each candidate comes with the
-- ground it was found on, and that ground is the very test
-- procedure_relations() makes, so the relations are the OR of what the
-- grounds give the organisation's kind:
--   the household's creator, the procedure's filer, the authors of its
--     events: FILER (4), to any kind;
--   the household's landlord: LANDLORD (8), to a social or private landlord;
--   a diagnostic's assignee: ASSIGNED (16), to an ADIL, a social service or
--     an association;
--   the commune's territory, directly or through its EPCI
--     (territory_covers()): TERRITORY (64) to a social service, BENEFICIARY
--     (128) to a CAF when the household has a CAF number;
--   an addressee of a recommendation on the household: ADDRESSEE (32).
-- The préfecture and the département get DEPARTEMENT (2) alone, as in 0007.
-- Same organisations, same relations, same position and payload (computed
-- once per stage change, not once per row); the bulk import
-- (storage/imports_store.c) publishes the same way.
CREATE OR REPLACE FUNCTION feed_procedure_stage() RETURNS trigger LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	v_payload jsonb := jsonb_build_object('procedure_id', NEW.id, 'household_id', NEW.household_id,
					      'stage', NEW.stage, 'previous_stage', OLD.stage, 'status', NEW.status);
BEGIN
	INSERT INTO feed_events (organisation_id, pos, type, resource_type, resource_id, relations, payload)
	WITH h AS (SELECT h.id, h.insee, h.created_by_org, h.landlord_org_id, h.caf_number IS NOT NULL AS has_caf
		   FROM households h WHERE h.id = NEW.household_id),
	grounds (org, ground) AS (
		SELECT h.created_by_org, 4 FROM h
		UNION ALL SELECT NEW.filed_by_org, 4
		UNION ALL SELECT e.organisation_id, 4 FROM procedure_events e WHERE e.procedure_id = NEW.id
		UNION ALL SELECT h.landlord_org_id, 8 FROM h
		UNION ALL SELECT d.assigned_org_id, 16 FROM h JOIN diagnostics d ON d.household_id = h.id
		UNION ALL SELECT oc.organisation_id, 64 FROM h JOIN organisation_communes oc ON oc.insee = h.insee
		UNION ALL SELECT oe.organisation_id, 64 FROM h JOIN communes cm ON cm.insee = h.insee
			JOIN organisation_epcis oe ON oe.epci_siren = cm.epci_siren
		UNION ALL SELECT m.addressee_org_id, 32 FROM h JOIN referrals r ON r.household_id = h.id
			JOIN recommendations m ON m.referral_id = r.id),
	rel (org, rel) AS (
		SELECT o.id, 2 FROM organisations o WHERE o.kind IN ('prefecture', 'departement')
		UNION ALL
		SELECT o.id, bit_or(CASE g.ground
			WHEN 8 THEN CASE WHEN o.kind IN ('social_landlord', 'private_landlord') THEN 8 ELSE 0 END
			WHEN 16 THEN CASE WHEN o.kind IN ('adil', 'social_service', 'association') THEN 16 ELSE 0 END
			WHEN 64 THEN CASE WHEN o.kind = 'social_service' THEN 64
					  WHEN o.kind = 'caf' AND (SELECT has_caf FROM h) THEN 128 ELSE 0 END
			ELSE g.ground END)
		FROM grounds g JOIN organisations o ON o.id = g.org
		WHERE o.kind NOT IN ('prefecture', 'departement')
		GROUP BY o.id)
	SELECT r.org, p.pos, 'procedure.stage_changed', 'procedure', NEW.id, r.rel, v_payload
	FROM rel r,
	     -- feed_position('procedure', NEW.id) of 0006, read once before the first row goes in.
	     (SELECT greatest(pg_current_xact_id(), max(f.pos)) AS pos FROM feed_events f
	      WHERE f.resource_type = 'procedure' AND f.resource_id = NEW.id) p
	WHERE r.rel <> 0;
	RETURN NULL;
END
$$;

-- `prevex demo-data` asks whether a part of the dataset is there by its
-- marker procedure's reference.
CREATE INDEX procedures_reference ON procedures (reference);
