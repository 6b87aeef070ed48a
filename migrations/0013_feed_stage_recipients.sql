-- Who hears of a stage change on a procedure, and through which relations
-- (the bitmask of 0006), in one place: the trigger of 0012 publishes one
-- procedure's change with it, the bulk import (storage/imports_store.c,
-- 0011) a whole batch's. Each candidate comes with the ground it was found
-- on, the very test procedure_relations() makes, so the relations are the
-- OR of what the grounds give the organisation's kind:
--   the household's creator, the procedure's filer, the authors of its
--     events: FILER (4), to any kind;
--   the household's landlord: LANDLORD (8), to a social or private landlord;
--   a diagnostic's assignee: ASSIGNED (16), to an ADIL, a social service or
--     an association;
--   the commune's territory, directly or through its EPCI: TERRITORY (64) to
--     a social service, BENEFICIARY (128) to a CAF when the household has a
--     CAF number;
--   an addressee of a recommendation on the household: ADDRESSEE (32).
-- The préfecture and the département get DEPARTEMENT (2) alone. One SELECT,
-- so that PostgreSQL inlines it into the caller's statement.
CREATE FUNCTION feed_stage_recipients(p_procedures uuid[])
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
	rel AS (SELECT ph.procedure_id, o.id AS org, 2 AS rel FROM ph
			JOIN organisations o ON o.kind IN ('prefecture', 'departement')
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

CREATE OR REPLACE FUNCTION feed_procedure_stage() RETURNS trigger LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	v_payload jsonb := jsonb_build_object('procedure_id', NEW.id, 'household_id', NEW.household_id,
					      'stage', NEW.stage, 'previous_stage', OLD.stage, 'status', NEW.status);
BEGIN
	INSERT INTO feed_events (organisation_id, pos, type, resource_type, resource_id, relations, payload)
	SELECT r.organisation_id, p.pos, 'procedure.stage_changed', 'procedure', NEW.id, r.relations, v_payload
	FROM feed_stage_recipients(ARRAY[NEW.id]) r,
	     -- feed_position('procedure', NEW.id) of 0006, read once before the first row goes in.
	     (SELECT greatest(pg_current_xact_id(), max(f.pos)) AS pos FROM feed_events f
	      WHERE f.resource_type = 'procedure' AND f.resource_id = NEW.id) p;
	RETURN NULL;
END
$$;
