-- The change feed each organisation follows (GET /v1/events), and the
-- webhooks that push the same feed to an organisation's HTTPS endpoint.
--
-- One row per event and per addressee organisation, written in the
-- transaction of the change that causes it (the triggers below, or
-- feed_publish() called by storage), with the addressee's relations to the
-- resource at that moment: a bitmask of 1 << enum policy_relation, as in
-- household_relations() of 0003 (DEPARTEMENT 2, FILER 4, LANDLORD 8,
-- ASSIGNED 16, ADDRESSEE 32, TERRITORY 64, BENEFICIARY 128). The API keeps
-- only the rows whose relations let the reader's kind read that type of
-- resource (domain/policy.c decides, as for every other read).
--
-- Order without skips. Identity values commit out of order, so a reader
-- paging on seq alone could hand out seq 12 while seq 10 is still
-- uncommitted, and never see 10. Each row carries pos, an xid8 at least the
-- writing transaction's own xid (pg_current_xact_id()); readers page on
-- (pos, seq) and hand out only rows with pos below the xmin of their
-- snapshot, pg_snapshot_xmin(pg_current_snapshot()). Every transaction with
-- an xid below that horizon has ended, so those rows are final; any
-- transaction that may still commit has an xid at or above it, and its rows
-- a pos at or above it, after every cursor already handed out. pos is
-- raised to the greatest pos already committed for the same resource, so
-- that two transactions that change one resource one after the other (the
-- second waited for the first's row lock) keep that order in the feed even
-- when the second drew the smaller xid. Writers never wait; a long
-- transaction elsewhere only delays what readers see.

CREATE TABLE feed_events (
	seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	organisation_id uuid NOT NULL REFERENCES organisations (id),
	pos xid8 NOT NULL,
	type text NOT NULL CHECK (type IN ('procedure.stage_changed', 'referral.examined', 'opinion.issued',
		'recommendation.addressed', 'diagnostic.assigned')),
	resource_type text NOT NULL CHECK (resource_type IN ('procedure', 'referral', 'opinion', 'recommendation',
		'diagnostic')),
	resource_id uuid NOT NULL,
	relations integer NOT NULL CHECK (relations > 0),
	payload jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feed_events_reader ON feed_events (organisation_id, pos, seq);
CREATE INDEX feed_events_resource ON feed_events (resource_type, resource_id, pos);

-- The position of a new event on a resource, in the current transaction.
CREATE FUNCTION feed_position(p_resource_type text, p_resource_id uuid) RETURNS xid8 LANGUAGE sql VOLATILE AS $$
	SELECT greatest(pg_current_xact_id(),
		(SELECT max(f.pos) FROM feed_events f
		 WHERE f.resource_type = p_resource_type AND f.resource_id = p_resource_id))
$$;

-- One event for one organisation; storage's feed_store_publish() calls it.
CREATE FUNCTION feed_publish(p_org uuid, p_relations integer, p_type text, p_resource_type text,
			     p_resource_id uuid, p_payload jsonb) RETURNS bigint LANGUAGE sql VOLATILE AS $$
	INSERT INTO feed_events (organisation_id, pos, type, resource_type, resource_id, relations, payload)
	VALUES (p_org, feed_position(p_resource_type, p_resource_id), p_type, p_resource_type, p_resource_id,
		p_relations, p_payload)
	RETURNING seq
$$;

-- The relations a prefecture or departement holds on every case, and the
-- one a partner holds through its role (FILER, ASSIGNED, ADDRESSEE).
CREATE FUNCTION feed_role_relations(p_org uuid, p_role integer) RETURNS integer LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN o.kind IN ('prefecture', 'departement') THEN 2 ELSE p_role END
	FROM organisations o WHERE o.id = p_org
$$;

CREATE FUNCTION feed_event_json(f feed_events) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'seq', f.seq, 'type', f.type,
		'resource', json_build_object('type', f.resource_type, 'id', f.resource_id),
		'data', f.payload, 'created_at', rfc3339(f.created_at))
$$;

---------------------------------------------------------------------------
-- Publish points on the tables of migrations 0003 and 0005.

-- A stage change on a procedure, for every organisation holding a relation
-- to the case: the candidates are gathered from the tables the relations
-- come from, then procedure_relations() (0003) and the ADDRESSEE bit of
-- ccapex_household_relations() (0005) give each one's exact relations.
CREATE FUNCTION feed_procedure_stage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	h households;
	v_pos xid8 := feed_position('procedure', NEW.id);
BEGIN
	SELECT * INTO h FROM households WHERE id = NEW.household_id;
	INSERT INTO feed_events (organisation_id, pos, type, resource_type, resource_id, relations, payload)
	SELECT c.org, v_pos, 'procedure.stage_changed', 'procedure', NEW.id, c.rel,
	       jsonb_build_object('procedure_id', NEW.id, 'household_id', NEW.household_id, 'stage', NEW.stage,
				  'previous_stage', OLD.stage, 'status', NEW.status)
	FROM (SELECT o.id AS org,
		     procedure_relations(NEW, h, o.id, o.kind) | (ccapex_household_relations(h, o.id, o.kind) & 32) AS rel
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
CREATE TRIGGER feed_procedure_stage AFTER UPDATE OF stage ON procedures
	FOR EACH ROW WHEN (OLD.stage IS DISTINCT FROM NEW.stage) EXECUTE FUNCTION feed_procedure_stage();

-- A referral, once examined, for the organisation that made it.
CREATE FUNCTION feed_referral_examined() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM feed_publish(NEW.created_by_org, feed_role_relations(NEW.created_by_org, 4), 'referral.examined',
			     'referral', NEW.id,
			     jsonb_build_object('referral_id', NEW.id, 'household_id', NEW.household_id,
						'status', NEW.status));
	RETURN NULL;
END
$$;
CREATE TRIGGER feed_referral_examined AFTER UPDATE OF status ON referrals
	FOR EACH ROW WHEN (NEW.status = 'examined' AND OLD.status IS DISTINCT FROM 'examined')
	EXECUTE FUNCTION feed_referral_examined();

-- A recommendation, for its addressee; and the opinion it belongs to, once
-- per addressee.
CREATE FUNCTION feed_recommendation_addressed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	v_household uuid;
	v_rel integer := feed_role_relations(NEW.addressee_org_id, 32);
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.addressee_org_id = NEW.addressee_org_id THEN
		RETURN NULL;
	END IF;
	SELECT r.household_id INTO v_household FROM referrals r WHERE r.id = NEW.referral_id;
	IF NOT EXISTS (SELECT 1 FROM feed_events f WHERE f.resource_type = 'opinion' AND f.resource_id = NEW.opinion_id
		       AND f.organisation_id = NEW.addressee_org_id) THEN
		PERFORM feed_publish(NEW.addressee_org_id, v_rel, 'opinion.issued', 'opinion', NEW.opinion_id,
				     jsonb_build_object('opinion_id', NEW.opinion_id, 'referral_id', NEW.referral_id,
							'commission_id', NEW.commission_id, 'household_id', v_household));
	END IF;
	PERFORM feed_publish(NEW.addressee_org_id, v_rel, 'recommendation.addressed', 'recommendation', NEW.id,
			     jsonb_build_object('recommendation_id', NEW.id, 'opinion_id', NEW.opinion_id,
						'referral_id', NEW.referral_id, 'household_id', v_household,
						'due_on', NEW.due_on, 'status', NEW.status));
	RETURN NULL;
END
$$;
CREATE TRIGGER feed_recommendation_addressed AFTER INSERT OR UPDATE OF addressee_org_id ON recommendations
	FOR EACH ROW EXECUTE FUNCTION feed_recommendation_addressed();

-- A diagnostic, for the organisation it is assigned to.
CREATE FUNCTION feed_diagnostic_assigned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.assigned_org_id IS NULL
	   OR (TG_OP = 'UPDATE' AND OLD.assigned_org_id IS NOT DISTINCT FROM NEW.assigned_org_id) THEN
		RETURN NULL;
	END IF;
	PERFORM feed_publish(NEW.assigned_org_id, feed_role_relations(NEW.assigned_org_id, 16), 'diagnostic.assigned',
			     'diagnostic', NEW.id,
			     jsonb_build_object('diagnostic_id', NEW.id, 'household_id', NEW.household_id,
						'procedure_id', NEW.procedure_id, 'requested_on', NEW.requested_on,
						'hearing_date', NEW.hearing_date));
	RETURN NULL;
END
$$;
CREATE TRIGGER feed_diagnostic_assigned AFTER INSERT OR UPDATE OF assigned_org_id ON diagnostics
	FOR EACH ROW EXECUTE FUNCTION feed_diagnostic_assigned();

---------------------------------------------------------------------------
-- Webhooks: an organisation's HTTPS endpoints. Each follows the
-- organisation's feed from where it stood at registration (cursor_pos,
-- cursor_seq), as a reader would; the delivery worker turns the events the
-- organisation may read into deliveries. The secret signs the deliveries
-- (HMAC-SHA256), so it is kept as drawn: it is shown to the organisation
-- once, and never again.
CREATE TABLE webhooks (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	organisation_id uuid NOT NULL REFERENCES organisations (id),
	url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
	description text CHECK (length(description) BETWEEN 1 AND 500),
	secret text NOT NULL CHECK (length(secret) >= 32),
	cursor_pos xid8 NOT NULL,
	cursor_seq bigint NOT NULL,
	created_by_client uuid,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_organisation ON webhooks (organisation_id, created_at, id);

-- Deliveries follow the feed's order: id order is feed order within a
-- webhook. Only the oldest pending delivery of a (webhook, resource) may be
-- attempted, so each resource's events arrive in order.
CREATE TABLE webhook_deliveries (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
	feed_seq bigint NOT NULL,
	event_type text NOT NULL,
	resource_type text NOT NULL,
	resource_id uuid NOT NULL,
	body text NOT NULL,
	status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
	attempts integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	-- A worker holds the delivery until then; after a crash another takes it.
	lease_until timestamptz,
	first_attempt_at timestamptz,
	last_attempt_at timestamptz,
	last_status_code integer,
	last_error text,
	delivered_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (webhook_id, feed_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_resource ON webhook_deliveries (webhook_id, resource_type, resource_id, id)
	WHERE status = 'pending';

CREATE TABLE webhook_attempts (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
	at timestamptz NOT NULL DEFAULT now(),
	status_code integer,
	error text CHECK (length(error) <= 300),
	duration_ms integer NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

CREATE FUNCTION webhook_json(w webhooks) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', w.id, 'organisation_id', w.organisation_id, 'url', w.url, 'description', w.description,
		'created_at', rfc3339(w.created_at))
$$;

CREATE FUNCTION webhook_delivery_json(d webhook_deliveries) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', d.id, 'webhook_id', d.webhook_id, 'event_seq', d.feed_seq, 'event_type', d.event_type,
		'resource', json_build_object('type', d.resource_type, 'id', d.resource_id),
		'status', d.status, 'attempt_count', d.attempts,
		'next_attempt_at', CASE WHEN d.status = 'pending' THEN rfc3339(d.next_attempt_at) END,
		'last_status_code', d.last_status_code, 'last_error', d.last_error,
		'delivered_at', CASE WHEN d.delivered_at IS NOT NULL THEN rfc3339(d.delivered_at) END,
		'created_at', rfc3339(d.created_at),
		'attempts', coalesce((SELECT json_agg(json_build_object('at', rfc3339(a.at), 'status_code', a.status_code,
				'error', a.error, 'duration_ms', a.duration_ms) ORDER BY a.id)
			FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]'::json))
$$;

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prevex_app') THEN
		GRANT SELECT, INSERT ON feed_events, webhook_attempts TO prevex_app;
		GRANT SELECT, INSERT, UPDATE, DELETE ON webhooks, webhook_deliveries TO prevex_app;
	END IF;
END
$$;
