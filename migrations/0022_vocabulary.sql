-- One vocabulary (openapi/VOCABULARY.md): dates end in _on, organisations in
-- answers are {id, name, kind} objects named *_org, communes {insee, name}
-- and EPCIs {siren, name} everywhere. The JSON functions that used other
-- names are replaced here; the columns keep theirs.

CREATE FUNCTION org_ref_json(p_id uuid) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', o.id, 'name', o.name, 'kind', o.kind) FROM organisations o WHERE o.id = p_id
$$;

CREATE FUNCTION commune_json(p_insee text) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('insee', c.insee, 'name', c.name) FROM communes c WHERE c.insee = p_insee
$$;

CREATE FUNCTION epci_json(p_siren text) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('siren', e.siren, 'name', e.name) FROM epcis e WHERE e.siren = p_siren
$$;

CREATE OR REPLACE FUNCTION procedure_event_json(e procedure_events) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT (jsonb_build_object(
		'id', e.id, 'procedure_id', e.procedure_id, 'seq', e.seq, 'kind', e.kind, 'date', e.event_date,
		'corrects', e.corrects, 'recorded_by_org', org_ref_json(e.organisation_id),
		'created_at', rfc3339(e.created_at))
	    || jsonb_strip_nulls(jsonb_build_object(
		'debt_cents', e.debt_cents, 'rent_cents', e.rent_cents, 'months_unpaid', e.months_unpaid,
		'lease_signed_on', e.lease_signed_on,
		'hearing_on', e.hearing_date, 'court', e.court, 'prefet_notified_on', e.prefet_notified_on,
		'outcome', e.outcome, 'delay_months', e.delay_months, 'with_cfp', e.with_cfp)))::json
$$;

CREATE OR REPLACE FUNCTION diagnostic_json(d diagnostics) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', d.id, 'household_id', d.household_id, 'procedure_id', d.procedure_id,
		'assigned_org', org_ref_json(d.assigned_org_id), 'status', d.status, 'requested_on', d.requested_on,
		'hearing_on', d.hearing_date, 'version', d.version, 'created_at', rfc3339(d.created_at))
$$;

CREATE OR REPLACE FUNCTION referral_json(r referrals) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', r.id, 'household_id', r.household_id, 'procedure_id', r.procedure_id, 'kind', r.kind,
		'status', r.status, 'debt_cents', r.debt_cents, 'months_unpaid', r.months_unpaid,
		'commune', commune_json(r.insee), 'epci', epci_json(r.epci_siren), 'complex', r.complex,
		'created_by_org', org_ref_json(r.created_by_org), 'version', r.version,
		'created_at', rfc3339(r.created_at))
$$;

CREATE OR REPLACE FUNCTION prefecture_queue_json(q prefecture_queue) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', q.id, 'kind', q.kind, 'procedure_id', q.procedure_id, 'household_id', q.household_id,
		'event_id', q.event_id, 'event_on', q.event_date, 'due_on', q.due_on, 'status', q.status,
		'commune', json_build_object('insee', c.insee, 'name', c.name),
		'epci', CASE WHEN e.siren IS NOT NULL THEN json_build_object('siren', e.siren, 'name', e.name) END,
		'created_at', rfc3339(q.created_at))
	FROM households h JOIN communes c ON c.insee = h.insee LEFT JOIN epcis e ON e.siren = c.epci_siren
	WHERE h.id = q.household_id
$$;

CREATE OR REPLACE FUNCTION outreach_case_json(c outreach_cases) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', c.id, 'household_id', c.household_id,
		'household', (SELECT json_build_object(
			'address', json_build_object('line', h.address_line, 'postcode', h.postcode, 'insee', h.insee),
			'commune', json_build_object('insee', m.insee, 'name', m.name),
			'contact', json_build_object('phone', h.phone, 'email', h.email))
			FROM households h JOIN communes m ON m.insee = h.insee WHERE h.id = c.household_id),
		'diagnostic_id', c.diagnostic_id,
		'assigned_org', org_ref_json(c.assigned_org_id), 'opened_on', c.opened_on, 'outcome', c.outcome,
		'follow_up', json_build_object('landlord_contacted_adil', c.landlord_contacted_adil,
					       'debt_settled', c.debt_settled),
		'note', c.note, 'version', c.version,
		'created_at', rfc3339(c.created_at), 'updated_at', rfc3339(c.updated_at))
$$;

CREATE OR REPLACE FUNCTION prevention_letter_json(l prevention_letters) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', l.id, 'household_id', l.household_id, 'operator_org', org_ref_json(l.operator_org_id),
		'sent_on', l.sent_on, 'channel', l.channel, 'answered', l.answered, 'answered_on', l.answered_on,
		'outcomes', to_json(l.outcomes), 'note', l.note, 'version', l.version,
		'created_at', rfc3339(l.created_at), 'updated_at', rfc3339(l.updated_at))
$$;

CREATE OR REPLACE FUNCTION masp_measure_json(m masp_measures) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', m.id, 'household_id', m.household_id, 'type', m.type,
		'operator_org', org_ref_json(m.operator_org_id),
		'start_on', m.start_on, 'planned_end_on', m.planned_end_on, 'end_on', m.end_on, 'status', m.status,
		'renewals', coalesce((SELECT json_agg(json_build_object('id', r.id, 'renewed_on', r.renewed_on,
				'previous_end_on', r.previous_end_on, 'until_on', r.until_on)
				ORDER BY r.renewed_on, r.created_at)
			FROM masp_renewals r WHERE r.measure_id = m.id), '[]'::json),
		'note', m.note, 'version', m.version,
		'created_at', rfc3339(m.created_at), 'updated_at', rfc3339(m.updated_at))
$$;

CREATE OR REPLACE FUNCTION field_diagnostic_json(d diagnostics) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', d.id, 'household_id', d.household_id, 'procedure_id', d.procedure_id,
		'assigned_org', org_ref_json(d.assigned_org_id), 'status', d.status, 'requested_on', d.requested_on,
		'hearing_on', d.hearing_date, 'interview_offered_on', d.interview_offered_on,
		'report', d.report, 'report_sent_on', d.report_sent_on, 'carence_on', d.carence_on,
		'note', d.note,
		'outreach_case_id', (SELECT c.id FROM outreach_cases c WHERE c.diagnostic_id = d.id),
		'version', d.version, 'created_at', rfc3339(d.created_at), 'updated_at', rfc3339(d.updated_at))
$$;

CREATE OR REPLACE FUNCTION ccapex_recommendation_json(m recommendations) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', m.id, 'referral_id', m.referral_id, 'household_id', r.household_id,
		'commission_id', m.commission_id, 'addressee_org', org_ref_json(m.addressee_org_id), 'text', m.body,
		'due_on', m.due_on, 'status', m.status, 'comment', m.comment,
		'reported_at', CASE WHEN m.reported_at IS NOT NULL THEN rfc3339(m.reported_at) END,
		'reported_by_org', org_ref_json(m.reported_by_org),
		'withdrawn_at', CASE WHEN m.withdrawn_at IS NOT NULL THEN rfc3339(m.withdrawn_at) END,
		'version', m.version, 'created_at', rfc3339(m.created_at), 'updated_at', rfc3339(m.updated_at))
	FROM referrals r WHERE r.id = m.referral_id
$$;

CREATE OR REPLACE FUNCTION ccapex_opinion_json(o opinions, p_org uuid, p_social boolean, p_all boolean) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', o.id, 'commission_id', o.commission_id, 'referral_id', o.referral_id,
		'level', k.level, 'session_on', k.session_date,
		'summary', CASE WHEN p_social THEN o.summary END,
		'decisions', to_json(o.decisions),
		'recommendations', coalesce((SELECT json_agg(ccapex_recommendation_json(m) ORDER BY m.created_at, m.id)
			FROM recommendations m WHERE m.opinion_id = o.id AND (p_all OR m.addressee_org_id = p_org)),
			'[]'::json),
		'version', o.version, 'created_at', rfc3339(o.created_at), 'updated_at', rfc3339(o.updated_at))
	FROM commissions k WHERE k.id = o.commission_id
$$;

CREATE OR REPLACE FUNCTION ccapex_referral_json(r referrals, p_org uuid, p_social boolean, p_all boolean)
RETURNS json LANGUAGE sql STABLE AS $$
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
			'summons_on', r.summons_date, 'latest_referral_on', r.notice_latest, 'late', r.notice_late) END,
		'inadmissible_reason', r.inadmissible_reason,
		'escalated', r.escalated,
		'agenda', (SELECT json_build_object('commission_id', a.commission_id, 'level', k.level,
				'session_on', k.session_date, 'position', a.position)
			FROM agenda_items a JOIN commissions k ON k.id = a.commission_id
			WHERE a.referral_id = r.id AND a.open),
		'opinions', coalesce((SELECT json_agg(ccapex_opinion_json(o, p_org, p_social, p_all)
				ORDER BY k.session_date, o.created_at)
			FROM opinions o JOIN commissions k ON k.id = o.commission_id WHERE o.referral_id = r.id),
			'[]'::json),
		'history', coalesce((SELECT json_agg(json_build_object('step', v.step, 'status', v.status,
				'commission_id', v.commission_id, 'by_org', org_ref_json(v.organisation_id),
				'at', rfc3339(v.at)) ORDER BY v.id)
			FROM referral_events v WHERE v.referral_id = r.id), '[]'::json),
		'created_by_org', org_ref_json(r.created_by_org),
		'version', r.version, 'created_at', rfc3339(r.created_at), 'updated_at', rfc3339(r.updated_at))
	FROM communes c LEFT JOIN epcis e ON e.siren = r.epci_siren
	WHERE c.insee = r.insee
$$;

CREATE OR REPLACE FUNCTION household_json(h households) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object(
		'id', h.id,
		'address', json_build_object('line', h.address_line, 'postcode', h.postcode, 'insee', h.insee),
		'commune', json_build_object('insee', c.insee, 'name', c.name),
		'epci', CASE WHEN e.siren IS NOT NULL THEN json_build_object('siren', e.siren, 'name', e.name) END,
		'sector', h.sector,
		'landlord', CASE
			WHEN h.landlord_org_id IS NOT NULL THEN json_build_object('org', org_ref_json(h.landlord_org_id))
			WHEN h.landlord_name IS NOT NULL THEN json_build_object('name', h.landlord_name,
										'contact', h.landlord_contact)
			END,
		'occupants', CASE WHEN h.adults IS NOT NULL
			THEN json_build_object('adults', h.adults, 'children', h.children) END,
		'rent_cents', h.rent_cents, 'charges_cents', h.charges_cents,
		'lease_signed_on', h.lease_signed_on, 'income_cents', h.income_cents,
		'housing_benefit', json_build_object('kind', h.housing_benefit, 'paid_to', h.benefit_paid_to),
		'caf_number', h.caf_number,
		'contact', json_build_object('phone', h.phone, 'email', h.email),
		'vulnerability_notes', h.vulnerability_notes,
		'stage', household_stage(h.id),
		'created_by_org', org_ref_json(h.created_by_org),
		'version', h.version, 'created_at', rfc3339(h.created_at), 'updated_at', rfc3339(h.updated_at))
	FROM communes c LEFT JOIN epcis e ON e.siren = c.epci_siren
	WHERE c.insee = h.insee);
END
$$;

CREATE OR REPLACE FUNCTION procedure_json(p procedures) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', p.id, 'household_id', p.household_id, 'filed_by_org', org_ref_json(p.filed_by_org),
		'reference', p.reference, 'stage', p.stage, 'status', p.status, 'event_count', p.event_count,
		'version', p.version, 'created_at', rfc3339(p.created_at), 'updated_at', rfc3339(p.updated_at))
$$;

CREATE OR REPLACE FUNCTION caf_signal_json(s caf_signals) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', s.id, 'external_id', s.external_id, 'signalled_by_org', org_ref_json(s.organisation_id),
		'household_id', s.household_id, 'match', s.match, 'caf_number', s.caf_number,
		'address', json_build_object('line', s.address_line, 'postcode', s.postcode, 'insee', s.insee),
		'holder_name', s.holder_name, 'date', s.signalled_on, 'debt_cents', s.debt_cents,
		'months_unpaid', s.months_unpaid, 'rent_cents', s.rent_cents, 'charges_cents', s.charges_cents,
		'first_missed_on', s.first_missed_on, 'benefit_status', s.benefit_status,
		'paid_to_landlord', s.paid_to_landlord, 'arrears', caf_arrears_json(s),
		'version', s.version, 'created_at', rfc3339(s.created_at), 'updated_at', rfc3339(s.updated_at))
$$;

CREATE OR REPLACE FUNCTION benefit_decision_json(d benefit_decisions) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', d.id, 'household_id', d.household_id, 'caf_signal_id', d.caf_signal_id,
		'addressee_org', org_ref_json(d.addressee_org_id), 'signalled_on', d.signalled_on, 'status', d.status,
		'decision', d.decision, 'reasons', d.reasons, 'decided_on', d.decided_on,
		'decided_by_org', org_ref_json(d.decided_by_org),
		'decided_at', CASE WHEN d.decided_at IS NOT NULL THEN rfc3339(d.decided_at) END,
		'applied_on', d.applied_on,
		'applied_at', CASE WHEN d.applied_at IS NOT NULL THEN rfc3339(d.applied_at) END,
		'version', d.version, 'created_at', rfc3339(d.created_at), 'updated_at', rfc3339(d.updated_at))
$$;

CREATE OR REPLACE FUNCTION orientation_json(o referral_orientations) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'referral_id', o.referral_id, 'household_id', o.household_id, 'actor', o.actor,
		'addressee_org', org_ref_json(o.addressee_org_id), 'note', o.note, 'oriented_on', o.oriented_on,
		'oriented_by_org', org_ref_json(o.oriented_by_org), 'status', o.status, 'report', o.report,
		'reported_on', o.reported_on, 'reported_by_org', org_ref_json(o.reported_by_org),
		'version', o.version, 'created_at', rfc3339(o.created_at), 'updated_at', rfc3339(o.updated_at))
$$;

CREATE OR REPLACE FUNCTION api_client_json(c api_clients) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'client_id', c.id, 'org', org_ref_json(c.organisation_id), 'name', c.name,
		'scope', c.scopes, 'created_at', rfc3339(c.created_at),
		'revoked_at', CASE WHEN c.revoked_at IS NOT NULL THEN rfc3339(c.revoked_at) END)
$$;

CREATE OR REPLACE FUNCTION webhook_json(w webhooks) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', w.id, 'org', org_ref_json(w.organisation_id), 'url', w.url, 'description', w.description,
		'created_at', rfc3339(w.created_at))
$$;

CREATE OR REPLACE FUNCTION ccapex_commission_json(k commissions, p_org uuid, p_kind text, p_mask integer) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', k.id, 'level', k.level, 'clil_id', k.clil_id, 'date', k.session_date,
		'time', to_char(k.session_time, 'HH24:MI'), 'place', k.place, 'title', k.title, 'status', k.status,
		'territory', json_build_object(
			'communes', coalesce((SELECT json_agg(c.insee ORDER BY c.insee) FROM commission_communes c
				WHERE c.commission_id = k.id), '[]'::json),
			'epcis', coalesce((SELECT json_agg(e.epci_siren ORDER BY e.epci_siren) FROM commission_epcis e
				WHERE e.commission_id = k.id), '[]'::json)),
		'chair_orgs', coalesce((SELECT json_agg(org_ref_json(m.organisation_id) ORDER BY m.organisation_id)
			FROM commission_members m WHERE m.commission_id = k.id AND m.role = 'chair'), '[]'::json),
		'invited_orgs', coalesce((SELECT json_agg(org_ref_json(m.organisation_id) ORDER BY m.organisation_id)
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

CREATE OR REPLACE FUNCTION feed_diagnostic_assigned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.assigned_org_id IS NULL
	   OR (TG_OP = 'UPDATE' AND OLD.assigned_org_id IS NOT DISTINCT FROM NEW.assigned_org_id) THEN
		RETURN NULL;
	END IF;
	PERFORM feed_publish(NEW.assigned_org_id, feed_role_relations(NEW.assigned_org_id, 16), 'diagnostic.assigned',
			     'diagnostic', NEW.id,
			     jsonb_build_object('diagnostic_id', NEW.id, 'household_id', NEW.household_id,
						'procedure_id', NEW.procedure_id, 'requested_on', NEW.requested_on,
						'hearing_on', NEW.hearing_date));
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION feed_orientation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' OR OLD.addressee_org_id IS DISTINCT FROM NEW.addressee_org_id
	   OR (OLD.status <> 'pending' AND NEW.status = 'pending') THEN
		PERFORM feed_publish(NEW.addressee_org_id, feed_role_relations(NEW.addressee_org_id, 32),
				     'orientation.addressed', 'referral', NEW.referral_id,
				     jsonb_build_object('referral_id', NEW.referral_id, 'household_id', NEW.household_id,
							'actor', NEW.actor, 'status', NEW.status));
	ELSIF NEW.status <> 'pending' AND OLD.status <> NEW.status THEN
		PERFORM feed_publish(NEW.oriented_by_org, feed_role_relations(NEW.oriented_by_org, 2),
				     'orientation.reported', 'referral', NEW.referral_id,
				     jsonb_build_object('referral_id', NEW.referral_id, 'household_id', NEW.household_id,
							'actor', NEW.actor, 'addressee_org', org_ref_json(NEW.addressee_org_id),
							'status', NEW.status, 'reported_on', NEW.reported_on));
	END IF;
	RETURN NULL;
END
$$;

-- The household's procedures a caller reads: those whose relations to it
-- (procedure_relations(), 0003/0007) meet p_mask, the relations under which
-- its organisation kind reads a procedure (domain/policy.c).
CREATE FUNCTION household_procedures_json(h households, p_org uuid, p_kind text, p_mask integer) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT coalesce(json_agg(json_build_object('id', p.id, 'reference', p.reference, 'stage', p.stage)
			ORDER BY p.created_at, p.id), '[]'::json)
	FROM procedures p
	WHERE p.household_id = h.id AND (procedure_relations(p, h, p_org, p_kind) & p_mask) <> 0
$$;

-- The household as the API answers it (household_marked_json() of 0020),
-- with the procedures the caller reads appended as its last member, in the
-- same way: spliced into the text so that the members keep their order and
-- layout (jsonb would sort them).
CREATE FUNCTION household_with_procedures_json(h households, p_org uuid, p_kind text, p_mask integer)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT (left(j::text, -1) || ', "procedures" : ' || household_procedures_json(h, p_org, p_kind, p_mask)::text
		|| '}')::json
	FROM household_marked_json(h) AS j
$$;

-- Events already in the feed speak the same vocabulary as new ones.
UPDATE feed_events SET payload = (payload - 'hearing_date') || jsonb_build_object('hearing_on', payload->'hearing_date')
WHERE type = 'diagnostic.assigned' AND payload ? 'hearing_date';
UPDATE feed_events SET payload = (payload - 'addressee_id')
	|| jsonb_build_object('addressee_org', org_ref_json((payload->>'addressee_id')::uuid)::jsonb)
WHERE type = 'orientation.reported' AND payload ? 'addressee_id';
