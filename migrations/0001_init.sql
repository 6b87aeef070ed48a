-- Conventions of the schema: ids are uuid (gen_random_uuid, core since
-- PostgreSQL 13), times are timestamptz, money is bigint cents. The service
-- runs as the role prevex_app when it exists (the private cluster creates
-- it); the schema owner runs migrations and purges.

-- Reference data: EPCIs (intercommunalities) and communes, loaded from CSV.
CREATE TABLE epcis (
	siren text PRIMARY KEY CHECK (siren ~ '^[0-9]{9}$'),
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200)
);

CREATE TABLE communes (
	insee text PRIMARY KEY CHECK (insee ~ '^([0-9]{2}|2A|2B)[0-9]{3}$'),
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	postcode text NOT NULL CHECK (postcode ~ '^[0-9]{5}$'),
	epci_siren text REFERENCES epcis (siren)
);
CREATE INDEX communes_epci ON communes (epci_siren);

-- Timestamps leave the database as RFC 3339 UTC with milliseconds.
CREATE FUNCTION rfc3339(t timestamptz) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prevex_app') THEN
		GRANT SELECT ON epcis, communes TO prevex_app;
	END IF;
END
$$;
