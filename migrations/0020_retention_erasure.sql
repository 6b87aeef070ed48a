-- Retention and erasure (issue 16): a household past its retention term
-- (`prevex purge`) or erased on request (POST /v1/households/{id}/erasure,
-- GDPR art. 17) is anonymised with everything attached to it, by the one
-- function household_anonymise() below. Identifying and free-text members
-- are erased; keys, dates, stages, communes, kinds, statuses and the amounts
-- the key figures count stay, so that the figures of past years do not
-- change. domain/retention.c holds the rules (durations, starting events,
-- legal bases); this migration holds what applies them.

-- The marker: when and why the household was anonymised, and the reason an
-- administrator gave for an erasure (it must name no person: it stays).
ALTER TABLE households
	ADD COLUMN erased_at timestamptz,
	ADD COLUMN erasure_cause text CHECK (erasure_cause IN ('erasure', 'retention')),
	ADD COLUMN erasure_reason text CHECK (length(erasure_reason) BETWEEN 1 AND 500),
	ADD CONSTRAINT households_erasure_marked CHECK ((erased_at IS NULL) = (erasure_cause IS NULL)
		AND (erasure_reason IS NULL OR erasure_cause = 'erasure')),
	ALTER COLUMN address_line DROP NOT NULL,
	ADD CONSTRAINT households_address_kept CHECK (address_line IS NOT NULL OR erased_at IS NOT NULL);

-- A CAF signal attached to an anonymised household loses its CAF number and
-- address; an unattached one always has them.
ALTER TABLE caf_signals
	ALTER COLUMN caf_number DROP NOT NULL,
	ALTER COLUMN address_line DROP NOT NULL,
	ADD CONSTRAINT caf_signals_identified CHECK ((caf_number IS NOT NULL AND address_line IS NOT NULL)
		OR household_id IS NOT NULL);

-- The last action's lookups that had no index of their own.
CREATE INDEX benefit_decisions_household ON benefit_decisions (household_id);
CREATE INDEX households_erased ON households (erased_at) WHERE erased_at IS NOT NULL;

-- The latest action recorded on a household or anything attached to it:
-- the start of its retention term (2 years, the CNIL's rule for social
-- action records). Both the time each record was written or changed and
-- the real-world dates it carries count (an act dated in the future, a
-- measure's end, a hearing to come keep it).
CREATE FUNCTION household_last_action(h households) RETURNS timestamptz LANGUAGE sql STABLE AS $$
	SELECT greatest(h.created_at, h.updated_at,
		(SELECT max(greatest(p.created_at, p.updated_at)) FROM procedures p WHERE p.household_id = h.id),
		(SELECT max(e.event_date)::timestamptz FROM procedure_events e JOIN procedures p ON p.id = e.procedure_id
		 WHERE p.household_id = h.id),
		(SELECT max(greatest(r.updated_at, r.referred_on::timestamptz)) FROM referrals r WHERE r.household_id = h.id),
		(SELECT max(v.at) FROM referral_events v JOIN referrals r ON r.id = v.referral_id WHERE r.household_id = h.id),
		(SELECT max(greatest(o.updated_at, o.oriented_on::timestamptz, o.reported_on::timestamptz))
		 FROM referral_orientations o JOIN referrals r ON r.id = o.referral_id WHERE r.household_id = h.id),
		(SELECT max(o.updated_at) FROM opinions o JOIN referrals r ON r.id = o.referral_id WHERE r.household_id = h.id),
		(SELECT max(greatest(m.updated_at, m.reported_at)) FROM recommendations m JOIN referrals r ON r.id = m.referral_id
		 WHERE r.household_id = h.id),
		(SELECT max(greatest(d.updated_at, d.hearing_date::timestamptz, d.report_sent_on::timestamptz))
		 FROM diagnostics d WHERE d.household_id = h.id),
		(SELECT max(greatest(c.updated_at, c.opened_on::timestamptz)) FROM outreach_cases c WHERE c.household_id = h.id),
		(SELECT max(greatest(i.updated_at, i.done_on::timestamptz)) FROM outreach_interventions i
		 JOIN outreach_cases c ON c.id = i.case_id WHERE c.household_id = h.id),
		(SELECT max(greatest(l.updated_at, l.sent_on::timestamptz, l.answered_on::timestamptz))
		 FROM prevention_letters l WHERE l.household_id = h.id),
		(SELECT max(greatest(m.updated_at, m.start_on::timestamptz, m.end_on::timestamptz)) FROM masp_measures m
		 WHERE m.household_id = h.id),
		(SELECT max(greatest(r.created_at, r.until_on::timestamptz)) FROM masp_renewals r
		 JOIN masp_measures m ON m.id = r.measure_id WHERE m.household_id = h.id),
		(SELECT max(greatest(a.updated_at, a.contact_on::timestamptz)) FROM adil_contacts a WHERE a.household_id = h.id),
		(SELECT max(greatest(s.updated_at, s.signalled_on::timestamptz)) FROM caf_signals s WHERE s.household_id = h.id),
		(SELECT max(greatest(b.updated_at, b.applied_on::timestamptz)) FROM benefit_decisions b
		 WHERE b.household_id = h.id))
$$;

-- True while the household is followed: a procedure not closed (a legal
-- obligation to keep the record), a MASP measure running, a referral still
-- before the CCAPEX, an orientation awaiting its report, a benefit
-- decision not yet applied. A followed household is never purged.
CREATE FUNCTION household_followed(p_household uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM procedures p WHERE p.household_id = p_household AND p.status <> 'closed')
	    OR EXISTS (SELECT 1 FROM masp_measures m WHERE m.household_id = p_household AND m.status = 'active')
	    OR EXISTS (SELECT 1 FROM referrals r WHERE r.household_id = p_household
		       AND r.status IN ('received', 'admissible', 'scheduled', 'examined'))
	    OR EXISTS (SELECT 1 FROM referral_orientations o JOIN referrals r ON r.id = o.referral_id
		       WHERE r.household_id = p_household AND o.status = 'pending')
	    OR EXISTS (SELECT 1 FROM benefit_decisions b WHERE b.household_id = p_household
		       AND b.status IN ('open', 'decided'))
$$;

-- Anonymises one household and everything attached to it, in the caller's
-- transaction, after locking the household. outcome: 'anonymised';
-- 'already' when it was (nothing changes); 'missing'; or 'open_procedure'
-- with the oldest procedure not closed, which the law obliges to keep
-- (nothing changes). p_cause: 'erasure' (a request, with p_reason) or
-- 'retention' (the purge). Every organisation that holds a relation to
-- the household hears of it on the feed (household.erased, with ids and
-- the cause only), with the relations it held before: the CAF number
-- erased below is what a CAF's relation rests on.
CREATE FUNCTION household_anonymise(p_household uuid, p_cause text, p_reason text,
				    OUT outcome text, OUT open_procedure uuid) LANGUAGE plpgsql AS $$
DECLARE
	h households;
	v_pos xid8;
	v_erased text := '[erased]';
BEGIN
	SELECT * INTO h FROM households WHERE id = p_household FOR UPDATE;
	IF NOT FOUND THEN
		outcome := 'missing';
		RETURN;
	END IF;
	IF h.erased_at IS NOT NULL THEN
		outcome := 'already';
		RETURN;
	END IF;
	SELECT p.id INTO open_procedure FROM procedures p WHERE p.household_id = p_household AND p.status <> 'closed'
	ORDER BY p.created_at, p.id LIMIT 1;
	IF open_procedure IS NOT NULL THEN
		outcome := 'open_procedure';
		RETURN;
	END IF;

	v_pos := feed_position('household', p_household);
	INSERT INTO feed_events (organisation_id, pos, type, resource_type, resource_id, relations, payload)
	SELECT c.org, v_pos, 'household.erased', 'household', p_household, c.rel,
	       jsonb_build_object('household_id', p_household, 'cause', p_cause, 'erased_at', rfc3339(now()))
	FROM (SELECT o.id AS org,
		     CASE WHEN o.kind IN ('prefecture', 'departement') THEN 2
		     ELSE ccapex_household_relations(h, o.id, o.kind) | orientation_household_relations(h.id, o.id, o.kind)
		     END AS rel
	      FROM organisations o
	      WHERE o.id IN (
		SELECT x.id FROM organisations x WHERE x.kind IN ('prefecture', 'departement')
		UNION SELECT h.created_by_org
		UNION SELECT h.landlord_org_id
		UNION SELECT p.filed_by_org FROM procedures p WHERE p.household_id = h.id
		UNION SELECT e.organisation_id FROM procedure_events e JOIN procedures p ON p.id = e.procedure_id
		      WHERE p.household_id = h.id
		UNION SELECT d.assigned_org_id FROM diagnostics d WHERE d.household_id = h.id
		UNION SELECT oc.organisation_id FROM organisation_communes oc WHERE oc.insee = h.insee
		UNION SELECT oe.organisation_id FROM organisation_epcis oe JOIN communes cm ON cm.epci_siren = oe.epci_siren
		      WHERE cm.insee = h.insee
		UNION SELECT m.addressee_org_id FROM recommendations m JOIN referrals r ON r.id = m.referral_id
		      WHERE r.household_id = h.id
		UNION SELECT o.addressee_org_id FROM referral_orientations o WHERE o.household_id = h.id)
	      ORDER BY o.id) c
	WHERE c.rel <> 0;

	UPDATE households SET address_line = NULL, landlord_name = NULL, landlord_contact = NULL, income_cents = NULL,
		caf_number = NULL, phone = NULL, email = NULL, vulnerability_notes = NULL, holder_name = NULL,
		erased_at = now(), erasure_cause = p_cause, erasure_reason = p_reason,
		version = version + 1, updated_at = now()
	WHERE id = p_household;
	UPDATE procedures SET reference = NULL, version = version + 1, updated_at = now()
	WHERE household_id = p_household AND reference IS NOT NULL;
	UPDATE diagnostics SET note = NULL, report = report - 'comment', version = version + 1, updated_at = now()
	WHERE household_id = p_household AND (note IS NOT NULL OR report ? 'comment');
	UPDATE referrals SET reason = NULL,
		inadmissible_reason = CASE WHEN inadmissible_reason IS NOT NULL THEN v_erased END,
		version = version + 1, updated_at = now()
	WHERE household_id = p_household AND (reason IS NOT NULL OR inadmissible_reason IS NOT NULL);
	UPDATE referral_orientations SET note = NULL, report = CASE WHEN report IS NOT NULL THEN v_erased END,
		version = version + 1, updated_at = now()
	WHERE household_id = p_household AND (note IS NOT NULL OR report IS NOT NULL);
	UPDATE opinions o SET summary = v_erased, version = o.version + 1, updated_at = now()
	FROM referrals r WHERE r.id = o.referral_id AND r.household_id = p_household AND o.summary <> v_erased;
	UPDATE recommendations m SET body = v_erased, comment = NULL, version = m.version + 1, updated_at = now()
	FROM referrals r WHERE r.id = m.referral_id AND r.household_id = p_household
	  AND (m.body <> v_erased OR m.comment IS NOT NULL);
	UPDATE outreach_cases SET note = NULL, version = version + 1, updated_at = now()
	WHERE household_id = p_household AND note IS NOT NULL;
	UPDATE outreach_interventions i SET outcome = v_erased, note = NULL, version = i.version + 1, updated_at = now()
	FROM outreach_cases c WHERE c.id = i.case_id AND c.household_id = p_household
	  AND (i.outcome <> v_erased OR i.note IS NOT NULL);
	UPDATE prevention_letters SET note = NULL, version = version + 1, updated_at = now()
	WHERE household_id = p_household AND note IS NOT NULL;
	UPDATE masp_measures SET note = NULL, version = version + 1, updated_at = now()
	WHERE household_id = p_household AND note IS NOT NULL;
	UPDATE adil_contacts SET subject = NULL, version = version + 1, updated_at = now()
	WHERE household_id = p_household AND subject IS NOT NULL;
	UPDATE caf_signals SET caf_number = NULL, address_line = NULL, holder_name = NULL, version = version + 1,
		updated_at = now()
	WHERE household_id = p_household;
	UPDATE benefit_decisions SET reasons = CASE WHEN reasons IS NOT NULL THEN v_erased END,
		version = version + 1, updated_at = now()
	WHERE household_id = p_household AND reasons IS NOT NULL;
	outcome := 'anonymised';
END
$$;

-- The feed's event types and resource types gain household.erased on a
-- household; as in 0018, the new lists are the ones in force plus ours,
-- whatever order the migrations of one release ran in.
DO $$
DECLARE
	v_col text;
	v_add text[];
	v_values text[];
	v_con record;
BEGIN
	FOR v_col, v_add IN VALUES ('type', ARRAY['household.erased']), ('resource_type', ARRAY['household']) LOOP
		SELECT coalesce(array_agg(DISTINCT m[1]), '{}') INTO v_values
		FROM pg_constraint c
		CROSS JOIN LATERAL regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_.]+)''', 'g') m
		WHERE c.conrelid = 'feed_events'::regclass AND c.contype = 'c'
		  AND c.conkey = ARRAY[(SELECT a.attnum FROM pg_attribute a
					WHERE a.attrelid = 'feed_events'::regclass AND a.attname = v_col)];
		FOR v_con IN SELECT c.conname FROM pg_constraint c
			     WHERE c.conrelid = 'feed_events'::regclass AND c.contype = 'c'
			       AND c.conkey = ARRAY[(SELECT a.attnum FROM pg_attribute a
						     WHERE a.attrelid = 'feed_events'::regclass AND a.attname = v_col)] LOOP
			EXECUTE format('ALTER TABLE feed_events DROP CONSTRAINT %I', v_con.conname);
		END LOOP;
		v_values := array(SELECT DISTINCT t FROM unnest(v_values || v_add) t ORDER BY t);
		EXECUTE format('ALTER TABLE feed_events ADD CONSTRAINT %I CHECK (%I IN (%s))', 'feed_events_' || v_col || '_check',
			       v_col, (SELECT string_agg(quote_literal(t), ', ') FROM unnest(v_values) t));
	END LOOP;
END
$$;

-- A household as the API answers it: household_json() and, as its last
-- member, when it was anonymised (null while it was not). Appended to the
-- object's text, so that its members keep their order and layout.
CREATE FUNCTION household_marked_json(h households) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT (left(j::text, -1) || ', "erased_at" : '
		|| coalesce(to_json(rfc3339(h.erased_at))::text, 'null') || '}')::json
	FROM household_json(h) j
$$;
