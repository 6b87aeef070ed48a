-- Field work: social diagnostics (their interview, report and carence), the
-- mobile team's outreach cases and interventions, the change log that the
-- mobile apps sync from, prevention letters and MASP measures.
--
-- The caller's relation to each of these resources is a bitmask of
-- 1 << enum policy_relation (domain/policy.h), as household_relations() of
-- migration 0003 gives for households: DEPARTEMENT 2 for the préfecture and
-- the département on every case, ASSIGNED 16 for the organisation the
-- resource is assigned to (its operator). The api layer passes the mask of
-- the relations the policy table lets the caller's kind use for the action,
-- and every statement filters on field_relations(...) & mask <> 0: lists,
-- single reads and writes agree.

CREATE FUNCTION field_relations(p_assigned uuid, p_org uuid, p_kind text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN p_kind IN ('prefecture', 'departement') THEN 2 ELSE 0 END
	     | CASE WHEN p_assigned IS NOT NULL AND p_assigned = p_org THEN 16 ELSE 0 END
$$;

-- The same test as territory_covers() of 0003, under a name of its own so
-- that this migration does not depend on a helper another module owns.
CREATE FUNCTION field_territory_covers(p_org uuid, p_insee text) RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM organisation_communes oc WHERE oc.organisation_id = p_org AND oc.insee = p_insee)
	    OR EXISTS (SELECT 1 FROM organisation_epcis oe JOIN communes c ON c.epci_siren = oe.epci_siren
		       WHERE oe.organisation_id = p_org AND c.insee = p_insee)
$$;

-- Today in the département's time zone: the law counts French days.
CREATE FUNCTION field_today() RETURNS date LANGUAGE sql STABLE AS $$
	SELECT (now() AT TIME ZONE 'Europe/Paris')::date
$$;

---------------------------------------------------------------------------
-- Social diagnostics. Migration 0003 creates the request (status
-- 'requested'); the interview, the structured report and the carence are
-- recorded here. domain/diagnostic.c holds the transitions; these checks
-- are the integrity behind them.
ALTER TABLE diagnostics
	ADD COLUMN interview_offered_on date,
	ADD COLUMN report jsonb CHECK (report IS NULL OR jsonb_typeof(report) = 'object'),
	ADD COLUMN report_sent_on date,
	ADD COLUMN carence_on date,
	ADD COLUMN note text CHECK (length(note) <= 2000),
	ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
	ADD CONSTRAINT diagnostics_status_known
		CHECK (status IN ('requested', 'interview_offered', 'done', 'carence')),
	ADD CONSTRAINT diagnostics_interview_dated
		CHECK (status <> 'interview_offered' OR interview_offered_on IS NOT NULL),
	ADD CONSTRAINT diagnostics_done_reported
		CHECK (status <> 'done' OR (report IS NOT NULL AND report_sent_on IS NOT NULL)),
	ADD CONSTRAINT diagnostics_carence_dated CHECK (status <> 'carence' OR carence_on IS NOT NULL);
CREATE INDEX diagnostics_created ON diagnostics (created_at, id);

---------------------------------------------------------------------------
-- The mobile team. An association is flagged as running a mobile team by a
-- préfecture administrator.
CREATE TABLE mobile_teams (
	organisation_id uuid PRIMARY KEY REFERENCES organisations (id),
	created_at timestamptz NOT NULL DEFAULT now()
);

-- The association that takes a carence of the commune: among the enabled
-- associations flagged as a mobile team, one whose territory covers the
-- commune (directly or through its EPCI), else any of them; the team
-- flagged first wins a tie. NULL when there is no mobile team at all: the
-- case is then opened unassigned, for the département to assign.
CREATE FUNCTION field_mobile_team_for(p_insee text) RETURNS uuid LANGUAGE sql STABLE AS $$
	SELECT t.organisation_id FROM mobile_teams t JOIN organisations o ON o.id = t.organisation_id
	WHERE o.kind = 'association' AND NOT o.disabled
	ORDER BY field_territory_covers(o.id, p_insee) DESC, t.created_at, t.organisation_id
	LIMIT 1
$$;

CREATE TABLE outreach_cases (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	household_id uuid NOT NULL REFERENCES households (id),
	diagnostic_id uuid UNIQUE REFERENCES diagnostics (id),
	assigned_org_id uuid REFERENCES organisations (id),
	opened_on date NOT NULL,
	outcome text CHECK (outcome IN ('no_contact', 'contact_established', 'npai')),
	landlord_contacted_adil boolean NOT NULL DEFAULT false,
	debt_settled boolean NOT NULL DEFAULT false,
	note text CHECK (length(note) <= 2000),
	created_by_org uuid NOT NULL REFERENCES organisations (id),
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outreach_cases_created ON outreach_cases (created_at, id);
CREATE INDEX outreach_cases_assigned ON outreach_cases (assigned_org_id, created_at, id);
CREATE INDEX outreach_cases_household ON outreach_cases (household_id);

-- The id may come from the mobile app, which creates interventions offline.
CREATE TABLE outreach_interventions (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	case_id uuid NOT NULL REFERENCES outreach_cases (id) ON DELETE CASCADE,
	kind text NOT NULL CHECK (kind IN ('letter', 'phone_call', 'home_visit', 'meeting')),
	done_on date NOT NULL,
	agent text NOT NULL CHECK (length(agent) BETWEEN 1 AND 200),
	outcome text NOT NULL CHECK (length(outcome) BETWEEN 1 AND 200),
	note text CHECK (length(note) <= 2000),
	created_by_org uuid NOT NULL REFERENCES organisations (id),
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outreach_interventions_case ON outreach_interventions (case_id, done_on, created_at);

CREATE FUNCTION outreach_intervention_json(i outreach_interventions) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', i.id, 'case_id', i.case_id, 'kind', i.kind, 'date', i.done_on, 'agent', i.agent,
		'outcome', i.outcome, 'note', i.note, 'version', i.version,
		'created_at', rfc3339(i.created_at), 'updated_at', rfc3339(i.updated_at))
$$;

-- The team goes to the household, often offline: the case carries where
-- and how to reach it (the address and contact groups, which every kind
-- that may hold a case, association or ADIL, may see).
CREATE FUNCTION outreach_case_json(c outreach_cases) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', c.id, 'household_id', c.household_id,
		'household', (SELECT json_build_object(
			'address', json_build_object('line', h.address_line, 'postcode', h.postcode, 'insee', h.insee),
			'commune', m.name, 'contact', json_build_object('phone', h.phone, 'email', h.email))
			FROM households h JOIN communes m ON m.insee = h.insee WHERE h.id = c.household_id),
		'diagnostic_id', c.diagnostic_id,
		'assigned_org_id', c.assigned_org_id, 'opened_on', c.opened_on, 'outcome', c.outcome,
		'follow_up', json_build_object('landlord_contacted_adil', c.landlord_contacted_adil,
					       'debt_settled', c.debt_settled),
		'note', c.note, 'version', c.version,
		'created_at', rfc3339(c.created_at), 'updated_at', rfc3339(c.updated_at))
$$;

-- A case with its interventions, as GET /v1/outreach/cases/{id} answers it.
CREATE FUNCTION outreach_case_full_json(c outreach_cases) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT (outreach_case_json(c)::jsonb || jsonb_build_object('interventions',
		coalesce((SELECT jsonb_agg(outreach_intervention_json(i)::jsonb ORDER BY i.done_on, i.created_at, i.id)
			  FROM outreach_interventions i WHERE i.case_id = c.id), '[]'::jsonb)))::json
$$;

---------------------------------------------------------------------------
-- The change log the mobile apps sync from. One row per (organisation,
-- record): the latest change of that record for that organisation (a log
-- compacted by key: the history itself is not needed, only "changed since").
-- Every change draws a new seq and records the writing transaction's xid.
--
-- Sequence values commit out of order: a reader paging on seq alone could
-- hand out seq 12 while seq 10 is still uncommitted, and never see 10. So
-- readers page on (xid, seq) and hand out only rows whose xid is below the
-- xmin of their snapshot (pg_snapshot_xmin(pg_current_snapshot())): every
-- such transaction has ended, so its rows are visible or gone for good,
-- and any transaction that may still write has an xid at or above that
-- horizon, so it sorts after every cursor already handed out. Writers never
-- wait; a long transaction elsewhere only delays what readers see.
-- pg_current_xact_id() gives the top-level xid inside a savepoint too.
CREATE SEQUENCE sync_log_seq AS bigint;
CREATE TABLE sync_log (
	org_id uuid NOT NULL,
	entity text NOT NULL CHECK (entity IN ('outreach_case', 'outreach_intervention')),
	entity_id uuid NOT NULL,
	case_id uuid NOT NULL,
	op text NOT NULL CHECK (op IN ('upsert', 'tombstone')),
	seq bigint NOT NULL DEFAULT nextval('sync_log_seq'),
	xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
	PRIMARY KEY (org_id, entity, entity_id)
);
ALTER SEQUENCE sync_log_seq OWNED BY sync_log.seq;
CREATE INDEX sync_log_cursor ON sync_log (org_id, xid, seq);
CREATE INDEX sync_log_case ON sync_log (case_id);

CREATE FUNCTION sync_log_touch(p_org uuid, p_entity text, p_id uuid, p_case uuid, p_op text) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO sync_log (org_id, entity, entity_id, case_id, op) VALUES (p_org, p_entity, p_id, p_case, p_op)
	ON CONFLICT (org_id, entity, entity_id) DO UPDATE
		SET op = EXCLUDED.op, case_id = EXCLUDED.case_id, seq = EXCLUDED.seq, xid = EXCLUDED.xid
$$;

-- Every record of a case becomes a tombstone for one organisation (or for
-- all when p_org is NULL).
CREATE FUNCTION sync_log_bury(p_case uuid, p_org uuid) RETURNS void LANGUAGE sql AS $$
	UPDATE sync_log SET op = 'tombstone', seq = nextval('sync_log_seq'), xid = pg_current_xact_id()
	WHERE case_id = p_case AND (p_org IS NULL OR org_id = p_org)
$$;

CREATE FUNCTION outreach_cases_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM sync_log_bury(OLD.id, NULL);
		RETURN OLD;
	END IF;
	IF TG_OP = 'UPDATE' AND OLD.assigned_org_id IS NOT NULL
	   AND OLD.assigned_org_id IS DISTINCT FROM NEW.assigned_org_id THEN
		PERFORM sync_log_bury(OLD.id, OLD.assigned_org_id);
	END IF;
	IF NEW.assigned_org_id IS NOT NULL THEN
		PERFORM sync_log_touch(NEW.assigned_org_id, 'outreach_case', NEW.id, NEW.id, 'upsert');
		IF TG_OP = 'UPDATE' AND OLD.assigned_org_id IS DISTINCT FROM NEW.assigned_org_id THEN
			-- The new team gets the interventions already recorded.
			INSERT INTO sync_log (org_id, entity, entity_id, case_id, op)
			SELECT NEW.assigned_org_id, 'outreach_intervention', i.id, NEW.id, 'upsert'
			FROM outreach_interventions i WHERE i.case_id = NEW.id
			ON CONFLICT (org_id, entity, entity_id) DO UPDATE
				SET op = EXCLUDED.op, case_id = EXCLUDED.case_id, seq = EXCLUDED.seq, xid = EXCLUDED.xid;
		END IF;
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER outreach_cases_sync AFTER INSERT OR UPDATE OR DELETE ON outreach_cases
	FOR EACH ROW EXECUTE FUNCTION outreach_cases_sync();

CREATE FUNCTION outreach_interventions_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	v_case uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.case_id ELSE NEW.case_id END;
	v_id uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
	v_org uuid;
BEGIN
	SELECT c.assigned_org_id INTO v_org FROM outreach_cases c WHERE c.id = v_case;
	IF v_org IS NOT NULL THEN
		PERFORM sync_log_touch(v_org, 'outreach_intervention', v_id, v_case,
				       CASE WHEN TG_OP = 'DELETE' THEN 'tombstone' ELSE 'upsert' END);
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER outreach_interventions_sync AFTER INSERT OR UPDATE OR DELETE ON outreach_interventions
	FOR EACH ROW EXECUTE FUNCTION outreach_interventions_sync();

-- Each change a mobile app sent, by its client-generated id, with the
-- result it got: a replay answers the stored result and changes nothing.
-- The fingerprint (sha256 of the change as canonical jsonb) tells a replay
-- from a different change reusing an id.
CREATE TABLE sync_changes (
	change_id uuid PRIMARY KEY,
	org_id uuid NOT NULL REFERENCES organisations (id),
	client_id uuid,
	fingerprint text NOT NULL,
	result jsonb,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sync_changes_org ON sync_changes (org_id, created_at);

CREATE FUNCTION sync_fingerprint(p_change text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT encode(sha256(convert_to(p_change::jsonb::text, 'UTF8')), 'hex')
$$;

---------------------------------------------------------------------------
-- Prevention letters (socio-legal follow-up). The operator is the
-- organisation that sends and follows them (the ADIL, or the préfecture or
-- département itself).
CREATE TABLE prevention_letters (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	household_id uuid NOT NULL REFERENCES households (id),
	operator_org_id uuid NOT NULL REFERENCES organisations (id),
	sent_on date NOT NULL,
	channel text NOT NULL CHECK (channel IN ('post', 'registered_post', 'email', 'sms', 'hand_delivered')),
	answered boolean NOT NULL DEFAULT false,
	answered_on date,
	outcomes text[] NOT NULL DEFAULT '{}' CHECK (outcomes <@ ARRAY['payment_resumed', 'debt_settled',
		'meeting_mds', 'meeting_ccas', 'meeting_association', 'adil_contact']::text[]),
	note text CHECK (length(note) <= 2000),
	created_by_org uuid NOT NULL REFERENCES organisations (id),
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT prevention_letters_answer_dated CHECK (answered_on IS NULL OR answered)
);
CREATE INDEX prevention_letters_created ON prevention_letters (created_at, id);
CREATE INDEX prevention_letters_operator ON prevention_letters (operator_org_id, created_at, id);
CREATE INDEX prevention_letters_sent ON prevention_letters (sent_on);
CREATE INDEX prevention_letters_household ON prevention_letters (household_id);

CREATE FUNCTION prevention_letter_json(l prevention_letters) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', l.id, 'household_id', l.household_id, 'operator_org_id', l.operator_org_id,
		'sent_on', l.sent_on, 'channel', l.channel, 'answered', l.answered, 'answered_on', l.answered_on,
		'outcomes', to_json(l.outcomes), 'note', l.note, 'version', l.version,
		'created_at', rfc3339(l.created_at), 'updated_at', rfc3339(l.updated_at))
$$;

---------------------------------------------------------------------------
-- MASP measures: type 1 (budget and social support) or 2 (the département
-- manages the household's benefits and pays the rent first).
CREATE TABLE masp_measures (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	household_id uuid NOT NULL REFERENCES households (id),
	type smallint NOT NULL CHECK (type IN (1, 2)),
	operator_org_id uuid NOT NULL REFERENCES organisations (id),
	start_on date NOT NULL,
	planned_end_on date NOT NULL,
	end_on date,
	status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'interrupted')),
	note text CHECK (length(note) <= 2000),
	created_by_org uuid NOT NULL REFERENCES organisations (id),
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT masp_measures_planned CHECK (planned_end_on > start_on),
	CONSTRAINT masp_measures_ended CHECK ((status = 'active') = (end_on IS NULL) AND (end_on IS NULL OR end_on >= start_on))
);
CREATE INDEX masp_measures_created ON masp_measures (created_at, id);
CREATE INDEX masp_measures_operator ON masp_measures (operator_org_id, created_at, id);
CREATE INDEX masp_measures_household ON masp_measures (household_id);
CREATE INDEX masp_measures_dates ON masp_measures (start_on, end_on);

CREATE TABLE masp_renewals (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	measure_id uuid NOT NULL REFERENCES masp_measures (id),
	renewed_on date NOT NULL,
	previous_end_on date NOT NULL,
	until_on date NOT NULL CHECK (until_on > previous_end_on),
	created_by_org uuid NOT NULL REFERENCES organisations (id),
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX masp_renewals_measure ON masp_renewals (measure_id, renewed_on);
CREATE INDEX masp_renewals_renewed ON masp_renewals (renewed_on);

CREATE FUNCTION masp_measure_json(m masp_measures) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', m.id, 'household_id', m.household_id, 'type', m.type, 'operator_org_id', m.operator_org_id,
		'start_on', m.start_on, 'planned_end_on', m.planned_end_on, 'end_on', m.end_on, 'status', m.status,
		'renewals', coalesce((SELECT json_agg(json_build_object('id', r.id, 'renewed_on', r.renewed_on,
				'previous_end_on', r.previous_end_on, 'until', r.until_on) ORDER BY r.renewed_on, r.created_at)
			FROM masp_renewals r WHERE r.measure_id = m.id), '[]'::json),
		'note', m.note, 'version', m.version,
		'created_at', rfc3339(m.created_at), 'updated_at', rfc3339(m.updated_at))
$$;

---------------------------------------------------------------------------
-- The diagnostic as /v1/diagnostics answers it: 0003's diagnostic_json()
-- stays as it is for the household timeline; this one adds the interview,
-- the report, the carence and the outreach case a carence opened.
CREATE FUNCTION field_diagnostic_json(d diagnostics) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', d.id, 'household_id', d.household_id, 'procedure_id', d.procedure_id,
		'assigned_org_id', d.assigned_org_id, 'status', d.status, 'requested_on', d.requested_on,
		'hearing_date', d.hearing_date, 'interview_offered_on', d.interview_offered_on,
		'report', d.report, 'report_sent_on', d.report_sent_on, 'carence_on', d.carence_on,
		'note', d.note,
		'outreach_case_id', (SELECT c.id FROM outreach_cases c WHERE c.diagnostic_id = d.id),
		'version', d.version, 'created_at', rfc3339(d.created_at), 'updated_at', rfc3339(d.updated_at))
$$;

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prevex_app') THEN
		GRANT SELECT, INSERT, DELETE ON mobile_teams TO prevex_app;
		GRANT SELECT, INSERT, UPDATE, DELETE ON outreach_cases, outreach_interventions TO prevex_app;
		GRANT SELECT, INSERT, UPDATE ON sync_log, sync_changes TO prevex_app;
		GRANT USAGE, SELECT ON SEQUENCE sync_log_seq TO prevex_app;
		GRANT SELECT, INSERT, UPDATE ON prevention_letters, masp_measures TO prevex_app;
		GRANT SELECT, INSERT ON masp_renewals TO prevex_app;
	END IF;
END
$$;
