-- The CCAPEX at work: referrals and their history, the registry of CLILs,
-- commission sessions with their agenda, the opinions given on the
-- referrals examined and the recommendations addressed to organisations.
--
-- Relations are bitmasks of 1 << enum policy_relation (domain/policy.h), as
-- household_relations() in 0003 gives them: DEPARTEMENT 2, FILER 4,
-- LANDLORD 8, ASSIGNED 16, ADDRESSEE 32, TERRITORY 64, BENEFICIARY 128. The
-- API passes the mask of relations the policy accepts for the action, so a
-- list, a count and a single read select the same rows.

-- Referrals: 0003 made the table the payment order fills; the CCAPEX adds
-- what a referral says and how the secretariat handles it.
ALTER TABLE referrals
	ADD COLUMN reason text CHECK (length(reason) BETWEEN 1 AND 2000),
	ADD COLUMN legal_entity boolean NOT NULL DEFAULT false,
	ADD COLUMN referred_on date NOT NULL DEFAULT current_date,
	-- The landlord's notice (loi ALUR), judged by domain/referral.c when the
	-- referral is made: the summons known then and the latest day to refer.
	ADD COLUMN notice_applies boolean NOT NULL DEFAULT false,
	ADD COLUMN summons_date date,
	ADD COLUMN notice_latest date,
	ADD COLUMN notice_late boolean NOT NULL DEFAULT false,
	ADD COLUMN inadmissible_reason text CHECK (length(inadmissible_reason) BETWEEN 1 AND 2000),
	ADD COLUMN escalated boolean NOT NULL DEFAULT false,
	ADD COLUMN created_by_client uuid,
	ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
	ADD CONSTRAINT referrals_kind_known
		CHECK (kind IN ('social_landlord', 'private_landlord', 'signalled', 'bailiff_report')),
	ADD CONSTRAINT referrals_status_known
		CHECK (status IN ('received', 'admissible', 'inadmissible', 'scheduled', 'examined', 'closed')),
	ADD CONSTRAINT referrals_inadmissible_has_reason
		CHECK (status <> 'inadmissible' OR inadmissible_reason IS NOT NULL);

-- One open referral per household: the index decides, never a prior read.
CREATE UNIQUE INDEX referrals_one_open ON referrals (household_id)
	WHERE status IN ('received', 'admissible', 'scheduled', 'examined');
CREATE INDEX referrals_created ON referrals (created_at, id);
CREATE INDEX referrals_created_by ON referrals (created_by_org);

-- What happened to a referral, in order: it keeps its history when a CLIL
-- hands it on to the operational CCAPEX.
CREATE TABLE referral_events (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	referral_id uuid NOT NULL REFERENCES referrals (id),
	step text NOT NULL CHECK (step IN ('received', 'admitted', 'rejected', 'scheduled', 'unscheduled',
		'examined', 'escalated', 'closed')),
	status text NOT NULL,
	commission_id uuid,
	organisation_id uuid REFERENCES organisations (id),
	at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, id);

-- Every referral starts its history, whoever inserts it (the payment order
-- of 0003 included).
CREATE FUNCTION referral_events_received() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO referral_events (referral_id, step, status, organisation_id, at)
	VALUES (NEW.id, 'received', NEW.status, NEW.created_by_org, NEW.created_at);
	RETURN NULL;
END
$$;
CREATE TRIGGER referrals_history_starts AFTER INSERT ON referrals
	FOR EACH ROW EXECUTE FUNCTION referral_events_received();

-- The registry of local commissions (commissions locales des impayés locatifs).
CREATE TABLE clils (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
	mode text NOT NULL CHECK (mode IN ('mono_landlord', 'inter_landlord')),
	status text NOT NULL CHECK (status IN ('renewed', 'experimented', 'initiated')),
	created_by_org uuid NOT NULL REFERENCES organisations (id),
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clils_created ON clils (created_at, id);

CREATE TABLE clil_communes (
	clil_id uuid NOT NULL REFERENCES clils (id) ON DELETE CASCADE,
	insee text NOT NULL REFERENCES communes (insee),
	PRIMARY KEY (clil_id, insee)
);
CREATE INDEX clil_communes_insee ON clil_communes (insee);

CREATE TABLE clil_landlords (
	clil_id uuid NOT NULL REFERENCES clils (id) ON DELETE CASCADE,
	organisation_id uuid NOT NULL REFERENCES organisations (id),
	PRIMARY KEY (clil_id, organisation_id)
);
CREATE INDEX clil_landlords_organisation ON clil_landlords (organisation_id);

-- A session of the CCAPEX at one of its levels, or of a CLIL.
CREATE TABLE commissions (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	level text NOT NULL CHECK (level IN ('operational', 'doctrinal', 'strategic', 'clil')),
	clil_id uuid REFERENCES clils (id),
	session_date date NOT NULL,
	session_time time,
	place text CHECK (length(place) BETWEEN 1 AND 200),
	title text CHECK (length(title) BETWEEN 1 AND 200),
	status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'in_session', 'closed')),
	created_by_org uuid NOT NULL REFERENCES organisations (id),
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT commissions_clil_level CHECK ((level = 'clil') = (clil_id IS NOT NULL))
);
CREATE INDEX commissions_created ON commissions (created_at, id);
CREATE INDEX commissions_date ON commissions (session_date);
CREATE INDEX commissions_clil ON commissions (clil_id) WHERE clil_id IS NOT NULL;

CREATE TABLE commission_communes (
	commission_id uuid NOT NULL REFERENCES commissions (id) ON DELETE CASCADE,
	insee text NOT NULL REFERENCES communes (insee),
	PRIMARY KEY (commission_id, insee)
);

CREATE TABLE commission_epcis (
	commission_id uuid NOT NULL REFERENCES commissions (id) ON DELETE CASCADE,
	epci_siren text NOT NULL REFERENCES epcis (siren),
	PRIMARY KEY (commission_id, epci_siren)
);

-- Chairs and invited organisations.
CREATE TABLE commission_members (
	commission_id uuid NOT NULL REFERENCES commissions (id) ON DELETE CASCADE,
	organisation_id uuid NOT NULL REFERENCES organisations (id),
	role text NOT NULL CHECK (role IN ('chair', 'invited')),
	PRIMARY KEY (commission_id, organisation_id, role)
);
CREATE INDEX commission_members_organisation ON commission_members (organisation_id);

-- The agenda. An item stays open until its session closes; a referral sits
-- on at most one open agenda, which the partial index decides.
CREATE TABLE agenda_items (
	commission_id uuid NOT NULL REFERENCES commissions (id),
	referral_id uuid NOT NULL REFERENCES referrals (id),
	position integer NOT NULL CHECK (position >= 1),
	open boolean NOT NULL DEFAULT true,
	added_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (commission_id, referral_id)
);
CREATE UNIQUE INDEX agenda_items_one_open ON agenda_items (referral_id) WHERE open;

-- The commission's opinion on a referral of its agenda: the foreign key to
-- the agenda refuses an opinion on anything else.
CREATE TABLE opinions (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	commission_id uuid NOT NULL,
	referral_id uuid NOT NULL,
	summary text NOT NULL CHECK (length(summary) BETWEEN 1 AND 4000),
	decisions text[] NOT NULL CHECK (cardinality(decisions) >= 1 AND decisions <@ ARRAY['keep_with_payment_plan',
		'fsl_aid', 'masp', 'avdl_support', 'rehousing', 'temporary_housing', 'cfp_deferral_advice',
		'housing_benefit_kept', 'housing_benefit_suspended']),
	created_by_org uuid NOT NULL REFERENCES organisations (id),
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT opinions_on_agenda FOREIGN KEY (commission_id, referral_id)
		REFERENCES agenda_items (commission_id, referral_id),
	UNIQUE (commission_id, referral_id)
);
CREATE INDEX opinions_referral ON opinions (referral_id);

CREATE TABLE recommendations (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	opinion_id uuid NOT NULL REFERENCES opinions (id),
	referral_id uuid NOT NULL REFERENCES referrals (id),
	commission_id uuid NOT NULL REFERENCES commissions (id),
	addressee_org_id uuid NOT NULL REFERENCES organisations (id),
	body text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
	due_on date NOT NULL,
	status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'done', 'declined')),
	comment text CHECK (length(comment) BETWEEN 1 AND 2000),
	reported_at timestamptz,
	reported_by_org uuid REFERENCES organisations (id),
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recommendations_addressee ON recommendations (addressee_org_id, created_at, id);
CREATE INDEX recommendations_created ON recommendations (created_at, id);
CREATE INDEX recommendations_opinion ON recommendations (opinion_id);
CREATE INDEX recommendations_referral ON recommendations (referral_id);

-- household_relations() of 0003, plus ADDRESSEE: a recommendation on one of
-- the household's referrals is addressed to the organisation.
CREATE FUNCTION ccapex_household_relations(h households, p_org uuid, p_kind text) RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT household_relations(h, p_org, p_kind)
	     | CASE WHEN p_kind NOT IN ('prefecture', 'departement')
		     AND EXISTS (SELECT 1 FROM recommendations m JOIN referrals r ON r.id = m.referral_id
				 WHERE r.household_id = h.id AND m.addressee_org_id = p_org)
		    THEN 32 ELSE 0 END
$$;

-- The relations to one referral: the household's, except that FILER is
-- held by who made this referral.
CREATE FUNCTION ccapex_referral_relations(r referrals, p_org uuid, p_kind text) RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT (ccapex_household_relations(h, p_org, p_kind) & ~4)
	     | CASE WHEN p_kind NOT IN ('prefecture', 'departement') AND r.created_by_org = p_org
		    THEN 4 ELSE 0 END
	FROM households h WHERE h.id = r.household_id
$$;

CREATE FUNCTION ccapex_recommendation_json(m recommendations) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', m.id, 'referral_id', m.referral_id, 'household_id', r.household_id,
		'commission_id', m.commission_id, 'addressee_id', m.addressee_org_id, 'text', m.body,
		'due_date', m.due_on, 'status', m.status, 'comment', m.comment,
		'reported_at', CASE WHEN m.reported_at IS NOT NULL THEN rfc3339(m.reported_at) END,
		'reported_by', m.reported_by_org,
		'version', m.version, 'created_at', rfc3339(m.created_at), 'updated_at', rfc3339(m.updated_at))
	FROM referrals r WHERE r.id = m.referral_id
$$;

-- p_social: the caller may read the social details (the summary); p_all:
-- the caller reads every recommendation, not only those addressed to it.
CREATE FUNCTION ccapex_opinion_json(o opinions, p_org uuid, p_social boolean, p_all boolean) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', o.id, 'commission_id', o.commission_id, 'referral_id', o.referral_id,
		'level', k.level, 'session_date', k.session_date,
		'summary', CASE WHEN p_social THEN o.summary END,
		'decisions', to_json(o.decisions),
		'recommendations', coalesce((SELECT json_agg(ccapex_recommendation_json(m) ORDER BY m.created_at, m.id)
			FROM recommendations m WHERE m.opinion_id = o.id AND (p_all OR m.addressee_org_id = p_org)),
			'[]'::json),
		'version', o.version, 'created_at', rfc3339(o.created_at), 'updated_at', rfc3339(o.updated_at))
	FROM commissions k WHERE k.id = o.commission_id
$$;

-- The reason is a social detail unless the caller wrote it.
CREATE FUNCTION ccapex_referral_json(r referrals, p_org uuid, p_social boolean, p_all boolean) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', r.id, 'kind', r.kind, 'status', r.status,
		'household_id', r.household_id, 'procedure_id', r.procedure_id,
		'debt_cents', r.debt_cents, 'months_unpaid', r.months_unpaid,
		'reason', CASE WHEN p_social OR r.created_by_org = p_org THEN r.reason END,
		'complex', r.complex, 'legal_entity', r.legal_entity,
		'commune', json_build_object('insee', c.insee, 'name', c.name),
		'epci', CASE WHEN e.siren IS NOT NULL THEN json_build_object('siren', e.siren, 'name', e.name) END,
		'referred_on', r.referred_on,
		'landlord_notice', CASE WHEN r.notice_applies THEN json_build_object(
			'summons_date', r.summons_date, 'latest_referral_date', r.notice_latest, 'late', r.notice_late) END,
		'inadmissible_reason', r.inadmissible_reason,
		'escalated', r.escalated,
		'agenda', (SELECT json_build_object('commission_id', a.commission_id, 'level', k.level,
				'date', k.session_date, 'position', a.position)
			FROM agenda_items a JOIN commissions k ON k.id = a.commission_id
			WHERE a.referral_id = r.id AND a.open),
		'opinions', coalesce((SELECT json_agg(ccapex_opinion_json(o, p_org, p_social, p_all)
				ORDER BY k.session_date, o.created_at)
			FROM opinions o JOIN commissions k ON k.id = o.commission_id WHERE o.referral_id = r.id),
			'[]'::json),
		'history', coalesce((SELECT json_agg(json_build_object('step', v.step, 'status', v.status,
				'commission_id', v.commission_id, 'organisation_id', v.organisation_id,
				'at', rfc3339(v.at)) ORDER BY v.id)
			FROM referral_events v WHERE v.referral_id = r.id), '[]'::json),
		'created_by', r.created_by_org,
		'version', r.version, 'created_at', rfc3339(r.created_at), 'updated_at', rfc3339(r.updated_at))
	FROM communes c LEFT JOIN epcis e ON e.siren = r.epci_siren
	WHERE c.insee = r.insee
$$;

CREATE FUNCTION ccapex_clil_json(l clils) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', l.id, 'name', l.name, 'mode', l.mode, 'status', l.status,
		'communes', coalesce((SELECT json_agg(c.insee ORDER BY c.insee) FROM clil_communes c
			WHERE c.clil_id = l.id), '[]'::json),
		'landlords', coalesce((SELECT json_agg(x.organisation_id ORDER BY x.organisation_id)
			FROM clil_landlords x WHERE x.clil_id = l.id), '[]'::json),
		'version', l.version, 'created_at', rfc3339(l.created_at), 'updated_at', rfc3339(l.updated_at))
$$;

-- The agenda shows the referrals the caller may read (p_mask, as above).
CREATE FUNCTION ccapex_commission_json(k commissions, p_org uuid, p_kind text, p_mask integer) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', k.id, 'level', k.level, 'clil_id', k.clil_id, 'date', k.session_date,
		'time', to_char(k.session_time, 'HH24:MI'), 'place', k.place, 'title', k.title, 'status', k.status,
		'territory', json_build_object(
			'communes', coalesce((SELECT json_agg(c.insee ORDER BY c.insee) FROM commission_communes c
				WHERE c.commission_id = k.id), '[]'::json),
			'epcis', coalesce((SELECT json_agg(e.epci_siren ORDER BY e.epci_siren) FROM commission_epcis e
				WHERE e.commission_id = k.id), '[]'::json)),
		'chairs', coalesce((SELECT json_agg(m.organisation_id ORDER BY m.organisation_id)
			FROM commission_members m WHERE m.commission_id = k.id AND m.role = 'chair'), '[]'::json),
		'invited', coalesce((SELECT json_agg(m.organisation_id ORDER BY m.organisation_id)
			FROM commission_members m WHERE m.commission_id = k.id AND m.role = 'invited'), '[]'::json),
		'agenda', coalesce((SELECT json_agg(json_build_object('referral_id', a.referral_id,
				'position', a.position, 'open', a.open,
				'examined', EXISTS (SELECT 1 FROM opinions o WHERE o.commission_id = a.commission_id
						    AND o.referral_id = a.referral_id),
				'added_at', rfc3339(a.added_at)) ORDER BY a.position)
			FROM agenda_items a JOIN referrals r ON r.id = a.referral_id
			WHERE a.commission_id = k.id AND (ccapex_referral_relations(r, p_org, p_kind) & p_mask) <> 0),
			'[]'::json),
		'version', k.version, 'created_at', rfc3339(k.created_at), 'updated_at', rfc3339(k.updated_at))
$$;

-- What the CLIL toolbox letters say about a referral; absent facts are null
-- and the letter refuses to go out without them.
CREATE FUNCTION ccapex_letter_json(r referrals) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'today', current_date,
		'address_line', h.address_line, 'postcode', h.postcode, 'commune', c.name,
		'landlord_name', coalesce(lo.name, h.landlord_name),
		'debt_cents', r.debt_cents,
		'session', (SELECT json_build_object('level', k.level, 'clil_name', l.name, 'date', k.session_date,
				'time', to_char(k.session_time, 'HH24:MI'), 'place', k.place)
			FROM agenda_items a JOIN commissions k ON k.id = a.commission_id
			LEFT JOIN clils l ON l.id = k.clil_id
			WHERE a.referral_id = r.id ORDER BY a.open DESC, k.session_date DESC LIMIT 1),
		'opinion', (SELECT json_build_object('level', k.level, 'clil_name', l.name, 'date', k.session_date,
				'decisions', to_json(o.decisions))
			FROM opinions o JOIN commissions k ON k.id = o.commission_id
			LEFT JOIN clils l ON l.id = k.clil_id
			WHERE o.referral_id = r.id ORDER BY k.session_date DESC, o.created_at DESC LIMIT 1))
	FROM households h JOIN communes c ON c.insee = h.insee
	LEFT JOIN organisations lo ON lo.id = h.landlord_org_id
	WHERE h.id = r.household_id
$$;

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prevex_app') THEN
		GRANT SELECT, INSERT ON referral_events TO prevex_app;
		GRANT SELECT, INSERT, UPDATE ON clils, commissions, opinions TO prevex_app;
		GRANT SELECT, INSERT, DELETE ON clil_communes, clil_landlords, commission_communes, commission_epcis,
			commission_members TO prevex_app;
		GRANT SELECT, INSERT, UPDATE, DELETE ON agenda_items, recommendations TO prevex_app;
	END IF;
END
$$;
