-- Départements as tenants (issue 17), beside the départements of 0023: every organisation belongs to one or
-- more départements, and the préfecture and the Conseil départemental hold
-- DEPARTEMENT (2) on the cases of their own départements only, where they
-- held it on every case. A household's département is its commune's:
-- the INSEE code's first two characters ('2A' and '2B' for Corsica), three
-- for the overseas départements (97x).

CREATE FUNCTION insee_departement(p_insee text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN left(p_insee, 2) IN ('97', '98') THEN left(p_insee, 3) ELSE left(p_insee, 2) END
$$;

CREATE TABLE organisation_departements (
	organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	departement_code text NOT NULL
		CHECK (departement_code ~ '^(0[1-9]|1[0-9]|2[1-9]|[3-8][0-9]|9[0-5]|2A|2B|97[1-9])$'),
	PRIMARY KEY (organisation_id, departement_code)
);
CREATE INDEX organisation_departements_code ON organisation_departements (departement_code);
-- The households of a département, for its key figures.
CREATE INDEX households_departement ON households (insee_departement(insee));

-- The département of an organisation created with none and by no one
-- (the command line): the deployment served the Essonne alone, and every
-- organisation so far is of it.
CREATE FUNCTION default_departement() RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT '91'
$$;

INSERT INTO organisation_departements (organisation_id, departement_code)
SELECT o.id, default_departement() FROM organisations o;

-- Whether the commune is in one of the organisation's départements.
CREATE FUNCTION departement_covers(p_org uuid, p_insee text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN EXISTS (SELECT 1 FROM organisation_departements d
		       WHERE d.organisation_id = p_org AND d.departement_code = insee_departement(p_insee));
END
$$;

-- household_relations() of 0007, DEPARTEMENT now for the households of the
-- caller's départements only; the rest unchanged. procedure_relations(),
-- ccapex_household_relations() and ccapex_referral_relations() take the
-- préfecture's and the département's relations from it.
CREATE OR REPLACE FUNCTION household_relations(h households, p_org uuid, p_kind text) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
DECLARE
	rel integer := 0;
BEGIN
	IF p_kind IN ('prefecture', 'departement') THEN
		RETURN CASE WHEN departement_covers(p_org, h.insee) THEN 2 ELSE 0 END;
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

-- field_relations() of 0004 for a record on a household: DEPARTEMENT when
-- the household is of one of the caller's départements.
CREATE FUNCTION field_relations(p_assigned uuid, p_household uuid, p_org uuid, p_kind text) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN CASE WHEN p_kind IN ('prefecture', 'departement')
			 AND EXISTS (SELECT 1 FROM households h WHERE h.id = p_household
				     AND departement_covers(p_org, h.insee)) THEN 2 ELSE 0 END
	     | CASE WHEN p_assigned IS NOT NULL AND p_assigned = p_org THEN 16 ELSE 0 END;
END
$$;

-- Whether the household is of one of the organisation's départements, by id.
CREATE FUNCTION departement_covers_household(p_org uuid, p_household uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN EXISTS (SELECT 1 FROM households h WHERE h.id = p_household AND departement_covers(p_org, h.insee));
END
$$;

-- The feed: the triggers of 0006 to 0022 address the préfecture and the
-- département (DEPARTEMENT alone) on every case. An event on a household
-- outside the recipient's départements is not written: one check here
-- rather than in each trigger. The household is the payload's, else the
-- resource's.
CREATE FUNCTION feed_event_household(p_type text, p_id uuid, p_payload jsonb) RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF p_payload ? 'household_id' AND jsonb_typeof(p_payload->'household_id') = 'string' THEN
		RETURN (p_payload->>'household_id')::uuid;
	END IF;
	RETURN CASE p_type
		WHEN 'procedure' THEN (SELECT p.household_id FROM procedures p WHERE p.id = p_id)
		WHEN 'referral' THEN (SELECT r.household_id FROM referrals r WHERE r.id = p_id)
		WHEN 'diagnostic' THEN (SELECT d.household_id FROM diagnostics d WHERE d.id = p_id)
		WHEN 'opinion' THEN (SELECT r.household_id FROM opinions o JOIN referrals r ON r.id = o.referral_id
				      WHERE o.id = p_id)
		WHEN 'recommendation' THEN (SELECT r.household_id FROM recommendations m
					     JOIN referrals r ON r.id = m.referral_id WHERE m.id = p_id)
		WHEN 'benefit_decision' THEN (SELECT b.household_id FROM benefit_decisions b WHERE b.id = p_id)
		WHEN 'household' THEN p_id END;
END
$$;

CREATE FUNCTION feed_events_departement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	v_household uuid;
BEGIN
	IF NEW.relations <> 2
	   OR NOT EXISTS (SELECT 1 FROM organisations o WHERE o.id = NEW.organisation_id
			  AND o.kind IN ('prefecture', 'departement')) THEN
		RETURN NEW;
	END IF;
	v_household := feed_event_household(NEW.resource_type, NEW.resource_id, NEW.payload);
	IF v_household IS NULL OR departement_covers_household(NEW.organisation_id, v_household) THEN
		RETURN NEW;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER feed_events_departement BEFORE INSERT ON feed_events
	FOR EACH ROW EXECUTE FUNCTION feed_events_departement();

-- organisation_json() of 0002, with the organisation's départements.
CREATE OR REPLACE FUNCTION organisation_json(o organisations) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', o.id, 'kind', o.kind, 'name', o.name, 'siret', o.siret, 'disabled', o.disabled,
		'departements', coalesce((SELECT json_agg(d.departement_code ORDER BY d.departement_code)
			FROM organisation_departements d WHERE d.organisation_id = o.id), '[]'::json),
		'territory', json_build_object(
			'communes', coalesce((SELECT json_agg(c.insee ORDER BY c.insee)
				FROM organisation_communes c WHERE c.organisation_id = o.id), '[]'::json),
			'epcis', coalesce((SELECT json_agg(e.epci_siren ORDER BY e.epci_siren)
				FROM organisation_epcis e WHERE e.organisation_id = o.id), '[]'::json)),
		'version', o.version, 'created_at', rfc3339(o.created_at), 'updated_at', rfc3339(o.updated_at))
$$;

-- The CCAPEX of a département holds its own sessions: a session is of its
-- creator's département, and the secretariat manages those of its own.
ALTER TABLE commissions ADD COLUMN departement_code text NOT NULL DEFAULT default_departement();

-- Likewise a CLIL: the registry stays readable by all, and each
-- secretariat changes the CLILs of its own département.
ALTER TABLE clils ADD COLUMN departement_code text NOT NULL DEFAULT default_departement();

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prevex_app') THEN
		GRANT SELECT, INSERT, DELETE ON organisation_departements TO prevex_app;
	END IF;
END
$$;

-- The ministry's delegation (DIHAL): a kind that reads the national key
-- figures and nothing personal (domain/policy.c).
ALTER TABLE organisations DROP CONSTRAINT organisations_kind_check,
	ADD CONSTRAINT organisations_kind_check CHECK (kind IN ('prefecture', 'departement', 'bailiff',
		'social_landlord', 'private_landlord', 'caf', 'adil', 'social_service', 'association', 'banque_de_france',
		'national'));
