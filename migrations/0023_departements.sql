-- Départements, the reference for a deployment that covers the whole of
-- France (`prevex reference load --etalab DIR`, reference/README.md), and
-- each commune's département, derived from its INSEE code: its first two
-- characters ('2A' and '2B' in Corsica), its first three overseas (97x).

CREATE TABLE departements (
	code text PRIMARY KEY CHECK (code ~ '^([0-9]{2}|2A|2B|97[0-9])$'),
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	region_code text NOT NULL CHECK (region_code ~ '^[0-9]{2}$')
);
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prevex_app') THEN
		GRANT SELECT ON departements TO prevex_app;
	END IF;
END
$$;

-- The Essonne of the default demo (region Île-de-France, 11).
INSERT INTO departements (code, name, region_code) VALUES ('91', 'Essonne', '11')
ON CONFLICT (code) DO NOTHING;

-- Computed by PostgreSQL on every write, so no loader can get it wrong. It
-- names no foreign key: a CSV load brings communes without their
-- département's name, which an --etalab load adds.
ALTER TABLE communes ADD COLUMN departement_code text NOT NULL
	GENERATED ALWAYS AS (CASE WHEN insee LIKE '97%' THEN left(insee, 3) ELSE left(insee, 2) END) STORED;
CREATE INDEX communes_departement ON communes (departement_code, insee);
