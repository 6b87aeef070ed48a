-- The préfecture's and the département's lists at national size (issue 17).
--
-- Their DEPARTEMENT relation covers every household of their départements:
-- thousands of candidates, so their lists (DB_VISIBLE_PAGE of
-- storage/db.h) read their table in page order and probed each row's
-- household (household_is_candidate()) until a page was full. With every
-- département on one deployment, a département holds 0.1 to 6 % of the
-- rows: a page read 1,700 to 100,000 rows, and all the rows of the
-- départements before it when, as in the national demo, rows come
-- département by département. Each listed table now knows the
-- département of its household, with an index in page order under it, and
-- the lists of those two kinds read each of their départements' rows in
-- page order: a page reads a page (and, beside it, the few records the
-- organisation operates outside its départements).
--
-- households: the expression insee_departement(insee), indexed.
-- procedures, referrals, diagnostics, outreach cases, prevention letters,
-- MASP measures, the préfecture's queue: departement_code, the département
-- of their household,
-- set on insert (and on a change of household) and followed when a
-- household moves to a commune of another département.

CREATE INDEX households_departement_created ON households (insee_departement(insee), created_at, id);
DROP INDEX households_departement;

-- The département of NEW's household.
CREATE FUNCTION departement_of_household() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.departement_code := (SELECT insee_departement(h.insee) FROM households h WHERE h.id = NEW.household_id);
	RETURN NEW;
END
$$;

DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['procedures', 'referrals', 'diagnostics', 'outreach_cases', 'prevention_letters',
				 'masp_measures', 'prefecture_queue'] LOOP
		EXECUTE format('ALTER TABLE %I ADD COLUMN departement_code text', t);
		EXECUTE format('UPDATE %I x SET departement_code = insee_departement(h.insee)'
			       ' FROM households h WHERE h.id = x.household_id', t);
		EXECUTE format('ALTER TABLE %I ALTER COLUMN departement_code SET NOT NULL', t);
		IF t <> 'prefecture_queue' THEN  -- read by id, below
			EXECUTE format('CREATE INDEX %I ON %I (departement_code, created_at, id)',
				       t || '_departement_created', t);
		END IF;
		EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OF household_id ON %I'
			       ' FOR EACH ROW EXECUTE FUNCTION departement_of_household()', t || '_departement', t);
	END LOOP;
END
$$;

-- The queue's open items of a département, in the order it is read.
CREATE INDEX prefecture_queue_departement_open ON prefecture_queue (departement_code, id) WHERE status = 'open';

-- A household moved to another département takes its records along.
CREATE FUNCTION household_departement_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	d text := insee_departement(NEW.insee);
BEGIN
	UPDATE procedures SET departement_code = d WHERE household_id = NEW.id;
	UPDATE referrals SET departement_code = d WHERE household_id = NEW.id;
	UPDATE diagnostics SET departement_code = d WHERE household_id = NEW.id;
	UPDATE outreach_cases SET departement_code = d WHERE household_id = NEW.id;
	UPDATE prevention_letters SET departement_code = d WHERE household_id = NEW.id;
	UPDATE masp_measures SET departement_code = d WHERE household_id = NEW.id;
	UPDATE prefecture_queue SET departement_code = d WHERE household_id = NEW.id;
	RETURN NULL;
END
$$;

CREATE TRIGGER households_departement_moved AFTER UPDATE OF insee ON households
FOR EACH ROW WHEN (insee_departement(OLD.insee) IS DISTINCT FROM insee_departement(NEW.insee))
EXECUTE FUNCTION household_departement_moved();
