-- Partner organisations, their API clients, the throttling of failed token
-- requests, and the append-only audit log.

CREATE TABLE organisations (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	kind text NOT NULL CHECK (kind IN ('prefecture', 'departement', 'bailiff', 'social_landlord',
		'private_landlord', 'caf', 'adil', 'social_service', 'association', 'banque_de_france')),
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	siret text UNIQUE CHECK (siret ~ '^[0-9]{14}$'),
	disabled boolean NOT NULL DEFAULT false,
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisations_created ON organisations (created_at, id);

CREATE TABLE organisation_communes (
	organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	insee text NOT NULL REFERENCES communes (insee),
	PRIMARY KEY (organisation_id, insee)
);
CREATE INDEX organisation_communes_insee ON organisation_communes (insee);

CREATE TABLE organisation_epcis (
	organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	epci_siren text NOT NULL REFERENCES epcis (siren),
	PRIMARY KEY (organisation_id, epci_siren)
);
CREATE INDEX organisation_epcis_siren ON organisation_epcis (epci_siren);

CREATE TABLE api_clients (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	organisation_id uuid NOT NULL REFERENCES organisations (id),
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	-- "sha256$<salt hex>$<hash hex>": secrets are 256 random bits, so a
	-- salted hash is as strong as any slow KDF against guessing.
	secret_hash text NOT NULL,
	scopes text NOT NULL CHECK (scopes ~ '^[a-z]+( [a-z]+)*$'),
	created_at timestamptz NOT NULL DEFAULT now(),
	revoked_at timestamptz
);
CREATE INDEX api_clients_organisation ON api_clients (organisation_id, created_at);

-- The representation of an organisation, as the API answers it.
CREATE FUNCTION organisation_json(o organisations) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', o.id, 'kind', o.kind, 'name', o.name, 'siret', o.siret, 'disabled', o.disabled,
		'territory', json_build_object(
			'communes', coalesce((SELECT json_agg(c.insee ORDER BY c.insee)
				FROM organisation_communes c WHERE c.organisation_id = o.id), '[]'::json),
			'epcis', coalesce((SELECT json_agg(e.epci_siren ORDER BY e.epci_siren)
				FROM organisation_epcis e WHERE e.organisation_id = o.id), '[]'::json)),
		'version', o.version, 'created_at', rfc3339(o.created_at), 'updated_at', rfc3339(o.updated_at))
$$;

CREATE FUNCTION api_client_json(c api_clients) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'client_id', c.id, 'organisation_id', c.organisation_id, 'name', c.name,
		'scope', c.scopes, 'created_at', rfc3339(c.created_at),
		'revoked_at', CASE WHEN c.revoked_at IS NOT NULL THEN rfc3339(c.revoked_at) END)
$$;

-- Failed token requests per key (client id or address), per window.
CREATE TABLE token_failures (
	key text PRIMARY KEY,
	failures integer NOT NULL,
	window_start timestamptz NOT NULL
);

CREATE TABLE audit_log (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	client_id uuid,
	organisation_id uuid,
	action text NOT NULL,
	resource_type text NOT NULL,
	resource_id text,
	request_id text,
	outcome text NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_resource ON audit_log (resource_type, resource_id, id);
CREATE INDEX audit_log_organisation ON audit_log (organisation_id, id);

-- Rows are never changed, and deleted only by the schema owner's purge,
-- which announces itself with the setting prevex.purge.
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE'
	   AND current_setting('prevex.purge', true) = 'on'
	   AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
		RETURN OLD;
	END IF;
	RAISE EXCEPTION 'audit_log rows cannot be changed or deleted'
		USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE FUNCTION audit_log_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log cannot be truncated' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_no_truncate();

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prevex_app') THEN
		GRANT SELECT, INSERT, UPDATE ON organisations, api_clients TO prevex_app;
		GRANT SELECT, INSERT, DELETE ON organisation_communes, organisation_epcis TO prevex_app;
		GRANT SELECT, INSERT, UPDATE, DELETE ON token_failures TO prevex_app;
		GRANT SELECT, INSERT ON audit_log TO prevex_app;
	END IF;
END
$$;
