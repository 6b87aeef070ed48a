-- Bulk ingest (POST /v1/imports/{kind}): partners' external ids, the
-- idempotency keys and jobs of import requests, CAF signals, ADIL contacts,
-- and the household matching that attaches imported items to a household.

-- The name of the lease holder, as partners give it, so that an imported
-- item naming an address and a name can be attached to the household.
ALTER TABLE households ADD COLUMN holder_name text CHECK (length(holder_name) BETWEEN 1 AND 200);

-- Addresses and names compared without case or extra blanks.
CREATE FUNCTION import_norm(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT lower(regexp_replace(btrim(t), '\s+', ' ', 'g'))
$$;

CREATE INDEX households_caf_number ON households (caf_number) WHERE caf_number IS NOT NULL;
CREATE INDEX households_address_key ON households (insee, import_norm(address_line));

-- The households an item names: by CAF number first (when it has one and
-- some household carries it), else by address and holder name. n is how
-- many match; household_id is the one household when n = 1. Never a guess:
-- n > 1 is reported as ambiguous.
CREATE FUNCTION import_match_household(p_caf text, p_insee text, p_line text, p_name text,
				       OUT n integer, OUT household_id uuid)
LANGUAGE sql STABLE AS $$
	WITH by_caf AS (
		SELECT count(*)::integer AS n, min(h.id::text)::uuid AS id FROM households h
		WHERE p_caf IS NOT NULL AND h.caf_number = p_caf),
	by_address AS (
		SELECT count(*)::integer AS n, min(h.id::text)::uuid AS id FROM households h
		WHERE p_name IS NOT NULL AND p_line IS NOT NULL AND h.insee = p_insee
		  AND import_norm(h.address_line) = import_norm(p_line)
		  AND import_norm(h.holder_name) = import_norm(p_name))
	SELECT CASE WHEN c.n > 0 THEN c.n ELSE a.n END,
	       CASE WHEN c.n = 1 THEN c.id WHEN c.n = 0 AND a.n = 1 THEN a.id END
	FROM by_caf c, by_address a
$$;

-- A partner's id for something it sent, scoped to its organisation:
-- resending an external_id updates what it names and never duplicates it.
-- kind 'procedure' maps a bailiff's file reference to its procedure, 'act'
-- an act to the event first recorded for it (its changes are corrections).
-- content_hash is that of the item last applied: the same item again is
-- unchanged.
CREATE TABLE import_refs (
	organisation_id uuid NOT NULL REFERENCES organisations (id),
	kind text NOT NULL CHECK (kind IN ('procedure', 'act')),
	external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 100),
	resource_id uuid NOT NULL,
	content_hash text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (organisation_id, kind, external_id)
);
CREATE INDEX import_refs_resource ON import_refs (resource_id);

-- Unpaid-rent signals from the CAF, attached to a household when one
-- matches without ambiguity.
CREATE TABLE caf_signals (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	organisation_id uuid NOT NULL REFERENCES organisations (id),
	external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 100),
	household_id uuid REFERENCES households (id),
	match text NOT NULL CHECK (match IN ('matched', 'unmatched', 'ambiguous')),
	caf_number text NOT NULL CHECK (caf_number ~ '^[0-9A-Z]{1,20}$'),
	address_line text NOT NULL CHECK (length(address_line) BETWEEN 1 AND 300),
	postcode text NOT NULL CHECK (postcode ~ '^[0-9]{5}$'),
	insee text NOT NULL REFERENCES communes (insee),
	holder_name text CHECK (length(holder_name) BETWEEN 1 AND 200),
	debt_cents bigint NOT NULL CHECK (debt_cents >= 0),
	months_unpaid integer NOT NULL CHECK (months_unpaid BETWEEN 0 AND 1200),
	benefit_status text NOT NULL CHECK (benefit_status IN ('kept', 'suspended')),
	paid_to_landlord boolean NOT NULL,
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (organisation_id, external_id)
);
CREATE INDEX caf_signals_household ON caf_signals (household_id) WHERE household_id IS NOT NULL;

-- The ADIL's contacts (0007) as the ADIL imports them: its own id, the
-- subject and the outcome of each.
ALTER TABLE adil_contacts
	ADD COLUMN external_id text CHECK (length(external_id) BETWEEN 1 AND 100),
	ADD COLUMN subject text CHECK (length(subject) BETWEEN 1 AND 200),
	ADD COLUMN outcome text CHECK (outcome IN ('information_given', 'referred', 'letter_sent', 'follow_up',
		'no_follow_up')),
	ADD COLUMN version integer NOT NULL DEFAULT 1,
	ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
	ADD CONSTRAINT adil_contacts_external UNIQUE (organisation_id, external_id);

-- One row per Idempotency-Key of an organisation. A request claims its key
-- under a transaction-scoped advisory lock and stores its answer in the
-- same transaction, so a request cut off leaves no trace and a second one
-- with the key meanwhile gets 409. Over the synchronous limit the request
-- stores its items (import_items) and answers 202: the import is then a job
-- that workers apply chunk by chunk, each chunk committed with the results
-- of its items.
CREATE TABLE imports (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	organisation_id uuid NOT NULL REFERENCES organisations (id),
	org_kind text NOT NULL,
	client_id uuid,
	idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
	request_hash text NOT NULL,
	kind text NOT NULL CHECK (kind IN ('acts', 'caf-signals', 'adil-contacts')),
	item_count integer NOT NULL CHECK (item_count >= 0),
	is_job boolean NOT NULL,
	job_status text CHECK (job_status IN ('queued', 'running', 'done')),
	http_status integer NOT NULL,
	response text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz,
	UNIQUE (organisation_id, idempotency_key),
	CHECK (is_job = (job_status IS NOT NULL))
);
CREATE INDEX imports_jobs_pending ON imports (created_at) WHERE job_status IN ('queued', 'running');
CREATE INDEX imports_created ON imports (created_at);

CREATE TABLE import_items (
	import_id uuid NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	idx integer NOT NULL CHECK (idx >= 0),
	external_id text,
	payload text NOT NULL,
	status text NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'created', 'updated', 'unchanged', 'rejected')),
	field text,
	reason text,
	match text,
	resource_id uuid,
	PRIMARY KEY (import_id, idx)
);
CREATE INDEX import_items_pending ON import_items (import_id, idx) WHERE status = 'pending';

-- Keys are kept at least 24 hours; `prevex purge` and the import workers
-- call this with their retention. Unfinished jobs are never purged.
CREATE FUNCTION imports_purge(p_older_than interval) RETURNS bigint LANGUAGE sql AS $$
	WITH d AS (DELETE FROM imports
		   WHERE created_at < now() - greatest(p_older_than, interval '24 hours')
		     AND (job_status IS NULL OR job_status = 'done')
		   RETURNING 1)
	SELECT count(*) FROM d
$$;

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prevex_app') THEN
		GRANT SELECT, INSERT, UPDATE ON import_refs, caf_signals, adil_contacts TO prevex_app;
		GRANT SELECT, INSERT, UPDATE, DELETE ON imports, import_items TO prevex_app;
	END IF;
END
$$;
