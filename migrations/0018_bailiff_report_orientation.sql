-- Décret 2026-83: every bailiff's report reaches the CCAPEX, which orients
-- it to a local actor (a social service, an association, the ADIL, the FSL
-- or the SIAO) and names the organisation that takes it up; that
-- addressee reports back as it would on a recommendation. The same décret
-- names the central and the local CCAPEX: two more commission levels.
--
-- Relations are the bitmask of 0005 (DEPARTEMENT 2, ADDRESSEE 32...).

-- Every report reaches the CCAPEX. A payment order at the reporting
-- threshold opens a bailiff_report referral (procedures_store.c, one act;
-- imports_store.c, a batch); when the household already has an open
-- referral, the report joins it: a 'bailiff_reported' entry in that
-- referral's history, by the bailiff, in place of a second referral, which
-- the one-open-referral index would refuse (an import batch failed whole on
-- it). A BEFORE trigger sees the rows the same statement inserted before,
-- so two reports on one household in one batch give one referral and one
-- entry. A report keyed in by the secretariat (POST /v1/referrals) on a
-- followed case is still refused, and its transaction rolls back.
ALTER TABLE referral_events DROP CONSTRAINT referral_events_step_check,
	ADD CONSTRAINT referral_events_step_check CHECK (step IN ('received', 'admitted', 'rejected', 'scheduled',
		'unscheduled', 'examined', 'escalated', 'closed', 'bailiff_reported'));

CREATE FUNCTION referrals_report_joins_open() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	v_open referrals;
BEGIN
	SELECT * INTO v_open FROM referrals
	WHERE household_id = NEW.household_id AND status IN ('received', 'admissible', 'scheduled', 'examined');
	IF NOT FOUND THEN
		RETURN NEW;
	END IF;
	INSERT INTO referral_events (referral_id, step, status, organisation_id)
	VALUES (v_open.id, 'bailiff_reported', v_open.status, NEW.created_by_org);
	UPDATE referrals SET version = version + 1, updated_at = now() WHERE id = v_open.id;
	RETURN NULL;
END
$$;
CREATE TRIGGER referrals_report_joins_open BEFORE INSERT ON referrals
	FOR EACH ROW WHEN (NEW.kind = 'bailiff_report') EXECUTE FUNCTION referrals_report_joins_open();

-- One orientation per bailiff_report referral. A declined orientation may
-- be replaced (the secretariat orients the report elsewhere): the row keeps
-- its key, the addressee, the actor and the note change, and the report
-- starts again. Which referral may be oriented, and which organisation fits
-- which actor, is domain/referral.c's rule; the FSL is the département's
-- fund (its addressee is a departement), and the SIAO is run by an
-- association or a social service (there is no organisation kind of its
-- own).
CREATE TABLE referral_orientations (
	referral_id uuid PRIMARY KEY REFERENCES referrals (id),
	household_id uuid NOT NULL REFERENCES households (id),
	actor text NOT NULL CHECK (actor IN ('social_service', 'association', 'adil', 'fsl', 'siao')),
	addressee_org_id uuid NOT NULL REFERENCES organisations (id),
	note text CHECK (length(note) BETWEEN 1 AND 2000),
	oriented_on date NOT NULL,
	oriented_by_org uuid NOT NULL REFERENCES organisations (id),
	status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'done', 'declined')),
	report text CHECK (length(report) BETWEEN 1 AND 2000),
	reported_on date,
	reported_by_org uuid REFERENCES organisations (id),
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT referral_orientations_reported CHECK ((status = 'pending') = (reported_on IS NULL)),
	CONSTRAINT referral_orientations_declined_says_why CHECK (status <> 'declined' OR report IS NOT NULL)
);
-- An addressee's relation to a household is one probe of this index.
CREATE INDEX referral_orientations_addressee ON referral_orientations (addressee_org_id, household_id);

-- ADDRESSEE (32) to a referral oriented to the organisation, or to the
-- household of one. The préfecture and the département hold DEPARTEMENT on
-- every case already; only the kinds an orientation can address gain it.
CREATE FUNCTION orientation_household_relations(p_household uuid, p_org uuid, p_kind text) RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN p_kind IN ('adil', 'social_service', 'association')
		     AND EXISTS (SELECT 1 FROM referral_orientations o
				 WHERE o.addressee_org_id = p_org AND o.household_id = p_household)
		    THEN 32 ELSE 0 END
$$;

CREATE FUNCTION orientation_referral_relations(r referrals, p_org uuid, p_kind text) RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT ccapex_referral_relations(r, p_org, p_kind)
	     | CASE WHEN p_kind IN ('adil', 'social_service', 'association')
		     AND EXISTS (SELECT 1 FROM referral_orientations o
				 WHERE o.referral_id = r.id AND o.addressee_org_id = p_org)
		    THEN 32 ELSE 0 END
$$;

CREATE FUNCTION orientation_json(o referral_orientations) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'referral_id', o.referral_id, 'household_id', o.household_id, 'actor', o.actor,
		'addressee_id', o.addressee_org_id, 'note', o.note, 'oriented_on', o.oriented_on,
		'oriented_by', o.oriented_by_org, 'status', o.status, 'report', o.report,
		'reported_on', o.reported_on, 'reported_by', o.reported_by_org,
		'version', o.version, 'created_at', rfc3339(o.created_at), 'updated_at', rfc3339(o.updated_at))
$$;

-- The feed: the addressee hears it was addressed (again on a replacement),
-- the secretariat that oriented it hears each report.
CREATE FUNCTION feed_orientation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' OR OLD.addressee_org_id IS DISTINCT FROM NEW.addressee_org_id
	   OR (OLD.status <> 'pending' AND NEW.status = 'pending') THEN
		PERFORM feed_publish(NEW.addressee_org_id, feed_role_relations(NEW.addressee_org_id, 32),
				     'orientation.addressed', 'referral', NEW.referral_id,
				     jsonb_build_object('referral_id', NEW.referral_id, 'household_id', NEW.household_id,
							'actor', NEW.actor, 'status', NEW.status));
	ELSIF NEW.status <> 'pending' AND OLD.status <> NEW.status THEN
		PERFORM feed_publish(NEW.oriented_by_org, feed_role_relations(NEW.oriented_by_org, 2),
				     'orientation.reported', 'referral', NEW.referral_id,
				     jsonb_build_object('referral_id', NEW.referral_id, 'household_id', NEW.household_id,
							'actor', NEW.actor, 'addressee_id', NEW.addressee_org_id,
							'status', NEW.status, 'reported_on', NEW.reported_on));
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER feed_orientation AFTER INSERT OR UPDATE ON referral_orientations
	FOR EACH ROW EXECUTE FUNCTION feed_orientation();

-- The feed's event types gain the two above. Other migrations of the same
-- release may extend the list too: the new list is the one in force plus
-- ours, whatever order they ran in.
DO $$
DECLARE
	v_types text[];
	v_con record;
BEGIN
	SELECT coalesce(array_agg(DISTINCT m[1]), '{}') INTO v_types
	FROM pg_constraint c
	CROSS JOIN LATERAL regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_.]+)''', 'g') m
	WHERE c.conrelid = 'feed_events'::regclass AND c.contype = 'c'
	  AND c.conkey = ARRAY[(SELECT a.attnum FROM pg_attribute a
				WHERE a.attrelid = 'feed_events'::regclass AND a.attname = 'type')];
	FOR v_con IN SELECT c.conname FROM pg_constraint c
		     WHERE c.conrelid = 'feed_events'::regclass AND c.contype = 'c'
		       AND c.conkey = ARRAY[(SELECT a.attnum FROM pg_attribute a
					     WHERE a.attrelid = 'feed_events'::regclass AND a.attname = 'type')] LOOP
		EXECUTE format('ALTER TABLE feed_events DROP CONSTRAINT %I', v_con.conname);
	END LOOP;
	v_types := array(SELECT DISTINCT t FROM unnest(v_types || ARRAY['orientation.addressed',
		'orientation.reported']) t ORDER BY t);
	EXECUTE format('ALTER TABLE feed_events ADD CONSTRAINT feed_events_type_check CHECK (type IN (%s))',
		       (SELECT string_agg(quote_literal(t), ', ') FROM unnest(v_types) t));
END
$$;

-- The central CCAPEX (the département's) and the local CCAPEX (one
-- territory of it), beside the levels already recorded.
ALTER TABLE commissions DROP CONSTRAINT commissions_level_check,
	ADD CONSTRAINT commissions_level_check
		CHECK (level IN ('operational', 'doctrinal', 'strategic', 'clil', 'central', 'local'));

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prevex_app') THEN
		GRANT SELECT, INSERT, UPDATE ON referral_orientations TO prevex_app;
	END IF;
END
$$;
