-- Households, their eviction procedures and the append-only events of each,
-- the social-diagnostic requests and CCAPEX referrals that events open, the
-- préfecture's work queue, and the reference communes and EPCIs.

-- Reference data. These rows are generated from reference/communes.csv, the
-- source (see reference/README.md); `prevex reference load FILE` upserts a
-- complete official file later, without any change to the code.
INSERT INTO epcis (siren, name) VALUES
	('200017846', 'CA de l''Étampois Sud-Essonne'),
	('200054781', 'Métropole du Grand Paris'),
	('200056232', 'CA Communauté Paris-Saclay'),
	('200057859', 'CA Cœur d''Essonne Agglomération'),
	('200058477', 'CA Val d''Yerres Val de Seine'),
	('200059228', 'CA Grand Paris Sud Seine-Essonne-Sénart'),
	('247800584', 'CA Versailles Grand Parc'),
	('249100074', 'CC du Pays de Limours'),
	('249100157', 'CC des Deux Vallées'),
	('249100546', 'CC du Val d''Essonne'),
	('249100553', 'CC Entre Juine et Renarde'),
	('249100595', 'CC Le Dourdannais en Hurepoix')
ON CONFLICT (siren) DO UPDATE SET name = EXCLUDED.name;

INSERT INTO communes (insee, name, postcode, epci_siren) VALUES
	('91017', 'Angervilliers', '91470', '249100074'),
	('91021', 'Arpajon', '91290', '200057859'),
	('91027', 'Athis-Mons', '91200', '200054781'),
	('91044', 'Ballainvilliers', '91160', '200056232'),
	('91045', 'Ballancourt-sur-Essonne', '91610', '249100546'),
	('91064', 'Bièvres', '91570', '247800584'),
	('91069', 'Boigneville', '91720', '249100157'),
	('91085', 'Boissy-sous-Saint-Yon', '91790', '249100553'),
	('91086', 'Bondoufle', '91070', '200059228'),
	('91095', 'Bouray-sur-Juine', '91850', '249100553'),
	('91097', 'Boussy-Saint-Antoine', '91800', '200058477'),
	('91098', 'Boutervilliers', '91150', '200017846'),
	('91099', 'Boutigny-sur-Essonne', '91820', '249100157'),
	('91103', 'Brétigny-sur-Orge', '91220', '200057859'),
	('91105', 'Breuillet', '91650', '200057859'),
	('91109', 'Brières-les-Scellés', '91150', '200017846'),
	('91111', 'Briis-sous-Forges', '91640', '249100074'),
	('91114', 'Brunoy', '91800', '200058477'),
	('91115', 'Bruyères-le-Châtel', '91680', '200057859'),
	('91122', 'Bures-sur-Yvette', '91440', '200056232'),
	('91129', 'Cerny', '91590', '249100546'),
	('91161', 'Chilly-Mazarin', '91380', '200056232'),
	('91174', 'Corbeil-Essonnes', '91100', '200059228'),
	('91191', 'Crosne', '91560', '200058477'),
	('91200', 'Dourdan', '91410', '249100595'),
	('91201', 'Draveil', '91210', '200058477'),
	('91215', 'Épinay-sous-Sénart', '91860', '200058477'),
	('91216', 'Épinay-sur-Orge', '91360', '200056232'),
	('91223', 'Étampes', '91150', '200017846'),
	('91225', 'Étiolles', '91450', '200059228'),
	('91226', 'Étréchy', '91580', '249100553'),
	('91228', 'Évry-Courcouronnes', '91000', '200059228'),
	('91235', 'Fleury-Mérogis', '91700', '200057859'),
	('91272', 'Gif-sur-Yvette', '91190', '200056232'),
	('91286', 'Grigny', '91350', '200059228'),
	('91326', 'Juvisy-sur-Orge', '91260', '200054781'),
	('91332', 'Leudeville', '91630', '249100546'),
	('91333', 'Leuville-sur-Orge', '91310', '200057859'),
	('91338', 'Limours', '91470', '249100074'),
	('91339', 'Linas', '91310', '200057859'),
	('91340', 'Lisses', '91090', '200059228'),
	('91345', 'Longjumeau', '91160', '200056232'),
	('91377', 'Massy', '91300', '200056232'),
	('91386', 'Mennecy', '91540', '249100546'),
	('91405', 'Milly-la-Forêt', '91490', '249100157'),
	('91421', 'Montgeron', '91230', '200058477'),
	('91432', 'Morangis', '91420', '200054781'),
	('91434', 'Morsang-sur-Orge', '91390', '200057859'),
	('91457', 'La Norville', '91290', '200057859'),
	('91468', 'Ormoy', '91540', '249100546'),
	('91471', 'Orsay', '91400', '200056232'),
	('91477', 'Palaiseau', '91120', '200056232'),
	('91479', 'Paray-Vieille-Poste', '91550', '200054781'),
	('91521', 'Ris-Orangis', '91130', '200059228'),
	('91540', 'Saint-Chéron', '91530', '249100595'),
	('91549', 'Sainte-Geneviève-des-Bois', '91700', '200057859'),
	('91553', 'Saint-Germain-lès-Corbeil', '91250', '200059228'),
	('91570', 'Saint-Michel-sur-Orge', '91240', '200057859'),
	('91573', 'Saint-Pierre-du-Perray', '91280', '200059228'),
	('91589', 'Savigny-sur-Orge', '91600', '200054781'),
	('91600', 'Soisy-sur-Seine', '91450', '200059228'),
	('91617', 'Tigery', '91250', '200059228'),
	('91648', 'Vert-le-Grand', '91810', '249100546'),
	('91657', 'Vigneux-sur-Seine', '91270', '200058477'),
	('91659', 'Villabé', '91100', '200059228'),
	('91685', 'Villiers-sur-Orge', '91700', '200057859'),
	('91687', 'Viry-Châtillon', '91170', '200054781'),
	('91691', 'Yerres', '91330', '200058477'),
	('91692', 'Les Ulis', '91940', '200056232')
ON CONFLICT (insee) DO UPDATE SET name = EXCLUDED.name, postcode = EXCLUDED.postcode,
	epci_siren = EXCLUDED.epci_siren;

-- A household's record. Money is monthly, in cents; the EPCI comes from the
-- commune. Its landlord is an organisation, or a person named here.
CREATE TABLE households (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	address_line text NOT NULL CHECK (length(address_line) BETWEEN 1 AND 300),
	postcode text NOT NULL CHECK (postcode ~ '^[0-9]{5}$'),
	insee text NOT NULL REFERENCES communes (insee),
	sector text NOT NULL CHECK (sector IN ('social', 'private')),
	landlord_org_id uuid REFERENCES organisations (id),
	landlord_name text CHECK (length(landlord_name) BETWEEN 1 AND 200),
	landlord_contact text CHECK (length(landlord_contact) <= 300),
	-- Unknown (NULL) until someone who may know them records them.
	adults integer CHECK (adults BETWEEN 1 AND 30),
	children integer CHECK (children BETWEEN 0 AND 30),
	rent_cents bigint CHECK (rent_cents >= 0),
	charges_cents bigint CHECK (charges_cents >= 0),
	income_cents bigint CHECK (income_cents >= 0),
	housing_benefit text NOT NULL DEFAULT 'none' CHECK (housing_benefit IN ('none', 'al', 'apl')),
	benefit_paid_to text CHECK (benefit_paid_to IN ('tenant', 'landlord')),
	caf_number text CHECK (caf_number ~ '^[0-9A-Z]{1,20}$'),
	phone text CHECK (length(phone) <= 32),
	email text CHECK (length(email) <= 254),
	vulnerability_notes text CHECK (length(vulnerability_notes) <= 2000),
	created_by_org uuid NOT NULL REFERENCES organisations (id),
	created_by_client uuid,
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT households_landlord_one CHECK (landlord_org_id IS NULL OR landlord_name IS NULL),
	CONSTRAINT households_benefit_payee CHECK ((housing_benefit = 'none') = (benefit_paid_to IS NULL))
);
-- Keyset pagination runs on (created_at, id), alone or after a filter.
CREATE INDEX households_created ON households (created_at, id);
CREATE INDEX households_insee ON households (insee, created_at, id);
CREATE INDEX households_sector ON households (sector, created_at, id);
CREATE INDEX households_updated ON households (updated_at);
CREATE INDEX households_created_by ON households (created_by_org);
CREATE INDEX households_landlord ON households (landlord_org_id) WHERE landlord_org_id IS NOT NULL;

CREATE TABLE procedures (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	household_id uuid NOT NULL REFERENCES households (id),
	filed_by_org uuid NOT NULL REFERENCES organisations (id),
	reference text CHECK (length(reference) BETWEEN 1 AND 100),
	-- Derived by domain/procedure.c from the events; kept here for filters.
	stage text NOT NULL DEFAULT 'none' CHECK (stage IN ('none', 'payment_order', 'summons', 'judgment',
		'order_to_leave', 'cfp_request', 'cfp_granted', 'cfp_refused', 'eviction')),
	status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'suspended', 'closed')),
	event_count integer NOT NULL DEFAULT 0,
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX procedures_household ON procedures (household_id, created_at, id);
CREATE INDEX procedures_filed_by ON procedures (filed_by_org);

-- Append-only: a correction is a new event naming the one it corrects.
CREATE TABLE procedure_events (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	procedure_id uuid NOT NULL REFERENCES procedures (id),
	seq integer NOT NULL CHECK (seq >= 0),
	kind text NOT NULL CHECK (kind IN ('payment_order', 'summons', 'judgment', 'order_to_leave',
		'cfp_request', 'cfp_granted', 'cfp_refused', 'eviction', 'debt_settled', 'plan_respected',
		'withdrawn', 'household_left', 'over_indebtedness')),
	event_date date NOT NULL,
	corrects uuid REFERENCES procedure_events (id),
	debt_cents bigint,
	rent_cents bigint,
	months_unpaid integer,
	hearing_date date,
	court text CHECK (length(court) BETWEEN 1 AND 127),
	prefet_notified_on date,
	outcome text CHECK (outcome IN ('termination_and_eviction', 'payment_delays', 'dismissed')),
	delay_months integer,
	with_cfp boolean,
	organisation_id uuid NOT NULL REFERENCES organisations (id),
	client_id uuid,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (procedure_id, seq)
);
CREATE INDEX procedure_events_organisation ON procedure_events (organisation_id, procedure_id);

CREATE FUNCTION procedure_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'procedure events are never changed: record a correction'
		USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER procedure_events_append_only BEFORE UPDATE OR DELETE ON procedure_events
	FOR EACH ROW EXECUTE FUNCTION procedure_events_guard();

-- Social & financial diagnostic requests, opened by a summons.
CREATE TABLE diagnostics (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	household_id uuid NOT NULL REFERENCES households (id),
	procedure_id uuid REFERENCES procedures (id),
	assigned_org_id uuid REFERENCES organisations (id),
	status text NOT NULL DEFAULT 'requested' CHECK (status ~ '^[a-z_]{1,32}$'),
	requested_on date NOT NULL,
	hearing_date date,
	created_at timestamptz NOT NULL DEFAULT now(),
	version integer NOT NULL DEFAULT 1
);
CREATE INDEX diagnostics_household ON diagnostics (household_id);
CREATE INDEX diagnostics_assigned ON diagnostics (assigned_org_id, household_id);

-- Referrals (saisines) to the CCAPEX, located by commune and EPCI.
CREATE TABLE referrals (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	household_id uuid NOT NULL REFERENCES households (id),
	procedure_id uuid REFERENCES procedures (id),
	kind text NOT NULL CHECK (kind ~ '^[a-z_]{1,32}$'),
	status text NOT NULL DEFAULT 'received' CHECK (status ~ '^[a-z_]{1,32}$'),
	debt_cents bigint CHECK (debt_cents >= 0),
	months_unpaid integer CHECK (months_unpaid >= 0),
	insee text NOT NULL REFERENCES communes (insee),
	epci_siren text REFERENCES epcis (siren),
	complex boolean NOT NULL DEFAULT false,
	created_by_org uuid NOT NULL REFERENCES organisations (id),
	created_at timestamptz NOT NULL DEFAULT now(),
	version integer NOT NULL DEFAULT 1
);
CREATE INDEX referrals_household ON referrals (household_id);
CREATE INDEX referrals_epci ON referrals (epci_siren, created_at);

-- Acts awaiting the préfecture: at most one open item per procedure, its
-- latest order to leave or CFP request; the next event closes it.
CREATE TABLE prefecture_queue (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind text NOT NULL CHECK (kind IN ('order_to_leave', 'cfp_request')),
	procedure_id uuid NOT NULL REFERENCES procedures (id),
	household_id uuid NOT NULL REFERENCES households (id),
	event_id uuid NOT NULL REFERENCES procedure_events (id),
	event_date date NOT NULL,
	due_on date,
	status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
	created_at timestamptz NOT NULL DEFAULT now(),
	done_at timestamptz
);
CREATE UNIQUE INDEX prefecture_queue_one_open ON prefecture_queue (procedure_id) WHERE status = 'open';
CREATE INDEX prefecture_queue_open ON prefecture_queue (id) WHERE status = 'open';

-- True when the organisation's territory covers the commune, directly or
-- through its EPCI.
CREATE FUNCTION territory_covers(p_org uuid, p_insee text) RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM organisation_communes oc WHERE oc.organisation_id = p_org AND oc.insee = p_insee)
	    OR EXISTS (SELECT 1 FROM organisation_epcis oe JOIN communes c ON c.epci_siren = oe.epci_siren
		       WHERE oe.organisation_id = p_org AND c.insee = p_insee)
$$;

-- The caller's relations to a household, as a bitmask of
-- 1 << enum policy_relation (domain/policy.h): DEPARTEMENT 2, FILER 4,
-- LANDLORD 8, ASSIGNED 16, ADDRESSEE 32, TERRITORY 64, BENEFICIARY 128.
-- Only the relations that let the kind read a household are given, so a
-- household is visible exactly when the mask is not 0; the storage tests
-- hold these numbers to the enum.
CREATE FUNCTION household_relations(h households, p_org uuid, p_kind text) RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN p_kind IN ('prefecture', 'departement') THEN 2 ELSE
		  CASE WHEN h.created_by_org = p_org
			 OR EXISTS (SELECT 1 FROM procedures p WHERE p.household_id = h.id AND p.filed_by_org = p_org)
			 OR EXISTS (SELECT 1 FROM procedures p JOIN procedure_events e ON e.procedure_id = p.id
				    WHERE p.household_id = h.id AND e.organisation_id = p_org)
		       THEN 4 ELSE 0 END
		| CASE WHEN p_kind IN ('social_landlord', 'private_landlord') AND h.landlord_org_id = p_org
		       THEN 8 ELSE 0 END
		| CASE WHEN p_kind IN ('adil', 'social_service', 'association')
			 AND EXISTS (SELECT 1 FROM diagnostics d WHERE d.household_id = h.id AND d.assigned_org_id = p_org)
		       THEN 16 ELSE 0 END
		| CASE WHEN p_kind = 'social_service' AND territory_covers(p_org, h.insee) THEN 64 ELSE 0 END
		| CASE WHEN p_kind = 'caf' AND h.caf_number IS NOT NULL AND territory_covers(p_org, h.insee)
		       THEN 128 ELSE 0 END
	END
$$;

-- The relations to one procedure: the household's, except that FILER is
-- held by who created the household, filed this procedure or an event of it.
CREATE FUNCTION procedure_relations(p procedures, h households, p_org uuid, p_kind text) RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT (household_relations(h, p_org, p_kind) & ~4)
	     | CASE WHEN p_kind NOT IN ('prefecture', 'departement')
		     AND (h.created_by_org = p_org OR p.filed_by_org = p_org
			  OR EXISTS (SELECT 1 FROM procedure_events e
				     WHERE e.procedure_id = p.id AND e.organisation_id = p_org))
		    THEN 4 ELSE 0 END
$$;

-- A household's current stage: that of its latest procedure.
CREATE FUNCTION household_stage(p_household uuid) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT p.stage FROM procedures p WHERE p.household_id = p_household
			 ORDER BY p.created_at DESC, p.id DESC LIMIT 1), 'none')
$$;

-- Representations, as the API answers them before field masks apply.
CREATE FUNCTION household_json(h households) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', h.id,
		'address', json_build_object('line', h.address_line, 'postcode', h.postcode, 'insee', h.insee),
		'commune', json_build_object('insee', c.insee, 'name', c.name),
		'epci', CASE WHEN e.siren IS NOT NULL THEN json_build_object('siren', e.siren, 'name', e.name) END,
		'sector', h.sector,
		'landlord', CASE
			WHEN h.landlord_org_id IS NOT NULL THEN json_build_object('organisation_id', h.landlord_org_id)
			WHEN h.landlord_name IS NOT NULL THEN json_build_object('name', h.landlord_name,
										'contact', h.landlord_contact)
			END,
		'occupants', CASE WHEN h.adults IS NOT NULL
			THEN json_build_object('adults', h.adults, 'children', h.children) END,
		'rent_cents', h.rent_cents, 'charges_cents', h.charges_cents, 'income_cents', h.income_cents,
		'housing_benefit', json_build_object('kind', h.housing_benefit, 'paid_to', h.benefit_paid_to),
		'caf_number', h.caf_number,
		'contact', json_build_object('phone', h.phone, 'email', h.email),
		'vulnerability_notes', h.vulnerability_notes,
		'stage', household_stage(h.id),
		'created_by', h.created_by_org,
		'version', h.version, 'created_at', rfc3339(h.created_at), 'updated_at', rfc3339(h.updated_at))
	FROM communes c LEFT JOIN epcis e ON e.siren = c.epci_siren
	WHERE c.insee = h.insee
$$;

CREATE FUNCTION procedure_json(p procedures) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', p.id, 'household_id', p.household_id, 'filed_by', p.filed_by_org, 'reference', p.reference,
		'stage', p.stage, 'status', p.status, 'event_count', p.event_count,
		'version', p.version, 'created_at', rfc3339(p.created_at), 'updated_at', rfc3339(p.updated_at))
$$;

-- An event's own data members appear only for the kinds that carry them.
CREATE FUNCTION procedure_event_json(e procedure_events) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT (jsonb_build_object(
		'id', e.id, 'procedure_id', e.procedure_id, 'seq', e.seq, 'kind', e.kind, 'date', e.event_date,
		'corrects', e.corrects, 'organisation_id', e.organisation_id, 'created_at', rfc3339(e.created_at))
	    || jsonb_strip_nulls(jsonb_build_object(
		'debt_cents', e.debt_cents, 'rent_cents', e.rent_cents, 'months_unpaid', e.months_unpaid,
		'hearing_date', e.hearing_date, 'court', e.court, 'prefet_notified_on', e.prefet_notified_on,
		'outcome', e.outcome, 'delay_months', e.delay_months, 'with_cfp', e.with_cfp)))::json
$$;

CREATE FUNCTION diagnostic_json(d diagnostics) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', d.id, 'household_id', d.household_id, 'procedure_id', d.procedure_id,
		'assigned_org_id', d.assigned_org_id, 'status', d.status, 'requested_on', d.requested_on,
		'hearing_date', d.hearing_date, 'version', d.version, 'created_at', rfc3339(d.created_at))
$$;

CREATE FUNCTION referral_json(r referrals) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', r.id, 'household_id', r.household_id, 'procedure_id', r.procedure_id, 'kind', r.kind,
		'status', r.status, 'debt_cents', r.debt_cents, 'months_unpaid', r.months_unpaid,
		'commune', r.insee, 'epci', r.epci_siren, 'complex', r.complex, 'created_by', r.created_by_org,
		'version', r.version, 'created_at', rfc3339(r.created_at))
$$;

CREATE FUNCTION prefecture_queue_json(q prefecture_queue) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', q.id, 'kind', q.kind, 'procedure_id', q.procedure_id, 'household_id', q.household_id,
		'event_id', q.event_id, 'event_date', q.event_date, 'due_on', q.due_on, 'status', q.status,
		'commune', h.insee, 'epci', c.epci_siren, 'created_at', rfc3339(q.created_at))
	FROM households h JOIN communes c ON c.insee = h.insee
	WHERE h.id = q.household_id
$$;

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prevex_app') THEN
		GRANT SELECT, INSERT, UPDATE ON households, procedures, diagnostics, referrals, prefecture_queue
			TO prevex_app;
		GRANT SELECT, INSERT ON procedure_events TO prevex_app;
	END IF;
END
$$;
