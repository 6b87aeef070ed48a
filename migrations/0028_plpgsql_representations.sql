-- The representations and relations functions the lists call on every row,
-- in PL/pgSQL (issue 17: a page of 100 under 100 ms at national size).
--
-- A LANGUAGE sql function whose body has a FROM clause or a sub-select is
-- never inlined, and PostgreSQL 15 plans its statement again at every call
-- made from another statement's execution: org_ref_json() inside
-- household_json() was planned once per household of a page, three times
-- for a referral. After 0009 (household_json(), household_stage()) and
-- 0024 (the relations functions), the rest of the per-row functions were
-- still SQL, and a page of 100 households took 21 ms in them on an idle
-- machine, 40 to 120 ms under load (bench/README.md, "Visibility at
-- size"). PL/pgSQL keeps each statement's plan for the session: the same
-- page takes 7 ms. Every body is the one it replaces, wrapped in
-- RETURN (...): each reads one row by its key or aggregates, so the
-- answers are the same (a scalar sub-select would refuse a second row where
-- the SQL function took the first; none can have one). Left in SQL: what
-- no list calls per row (household_last_action(), household_followed(),
-- ccapex_letter_json()) and the set-returning functions.

CREATE OR REPLACE FUNCTION household_marked_json(h households) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (left(household_json(h)::text, -1) || ', "erased_at" : '
		|| coalesce(to_json(rfc3339(h.erased_at))::text, 'null') || '}')::json;
END
$$;

CREATE OR REPLACE FUNCTION household_procedures_json(h households, p_org uuid, p_kind text, p_mask integer)
RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(json_agg(json_build_object('id', p.id, 'reference', p.reference, 'stage', p.stage)
			ORDER BY p.created_at, p.id), '[]'::json)
		FROM procedures p
		WHERE p.household_id = h.id AND (procedure_relations(p, h, p_org, p_kind) & p_mask) <> 0);
END
$$;

CREATE OR REPLACE FUNCTION household_with_procedures_json(h households, p_org uuid, p_kind text, p_mask integer)
RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (left(household_marked_json(h)::text, -1) || ', "procedures" : '
		|| household_procedures_json(h, p_org, p_kind, p_mask)::text || '}')::json;
END
$$;

CREATE OR REPLACE FUNCTION ccapex_clil_json(l clils) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object(
			'id', l.id, 'name', l.name, 'mode', l.mode, 'status', l.status,
			'communes', coalesce((SELECT json_agg(c.insee ORDER BY c.insee) FROM clil_communes c
				WHERE c.clil_id = l.id), '[]'::json),
			'landlords', coalesce((SELECT json_agg(x.organisation_id ORDER BY x.organisation_id)
				FROM clil_landlords x WHERE x.clil_id = l.id), '[]'::json),
			'version', l.version, 'created_at', rfc3339(l.created_at), 'updated_at', rfc3339(l.updated_at)));
END
$$;

CREATE OR REPLACE FUNCTION ccapex_commission_json(k commissions, p_org uuid, p_kind text, p_mask integer) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object(
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
			'version', k.version, 'created_at', rfc3339(k.created_at), 'updated_at', rfc3339(k.updated_at)));
END
$$;

CREATE OR REPLACE FUNCTION ccapex_opinion_json(o opinions, p_org uuid, p_social boolean, p_all boolean) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object(
			'id', o.id, 'commission_id', o.commission_id, 'referral_id', o.referral_id,
			'level', k.level, 'session_on', k.session_date,
			'summary', CASE WHEN p_social THEN o.summary END,
			'decisions', to_json(o.decisions),
			'recommendations', coalesce((SELECT json_agg(ccapex_recommendation_json(m) ORDER BY m.created_at, m.id)
				FROM recommendations m WHERE m.opinion_id = o.id AND (p_all OR m.addressee_org_id = p_org)),
				'[]'::json),
			'version', o.version, 'created_at', rfc3339(o.created_at), 'updated_at', rfc3339(o.updated_at))
		FROM commissions k WHERE k.id = o.commission_id);
END
$$;

CREATE OR REPLACE FUNCTION ccapex_recommendation_json(m recommendations) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object(
			'id', m.id, 'referral_id', m.referral_id, 'household_id', r.household_id,
			'commission_id', m.commission_id, 'addressee_org', org_ref_json(m.addressee_org_id), 'text', m.body,
			'due_on', m.due_on, 'status', m.status, 'comment', m.comment,
			'reported_at', CASE WHEN m.reported_at IS NOT NULL THEN rfc3339(m.reported_at) END,
			'reported_by_org', org_ref_json(m.reported_by_org),
			'withdrawn_at', CASE WHEN m.withdrawn_at IS NOT NULL THEN rfc3339(m.withdrawn_at) END,
			'version', m.version, 'created_at', rfc3339(m.created_at), 'updated_at', rfc3339(m.updated_at))
		FROM referrals r WHERE r.id = m.referral_id);
END
$$;

CREATE OR REPLACE FUNCTION ccapex_referral_json(r referrals, p_org uuid, p_social boolean, p_all boolean) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object(
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
		WHERE c.insee = r.insee);
END
$$;

CREATE OR REPLACE FUNCTION ccapex_referral_relations(r referrals, p_org uuid, p_kind text) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT (ccapex_household_relations(h, p_org, p_kind) & ~4)
		     | CASE WHEN p_kind NOT IN ('prefecture', 'departement') AND r.created_by_org = p_org
			    THEN 4 ELSE 0 END
		FROM households h WHERE h.id = r.household_id);
END
$$;

CREATE OR REPLACE FUNCTION commune_json(p_insee text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object('insee', c.insee, 'name', c.name) FROM communes c WHERE c.insee = p_insee);
END
$$;

CREATE OR REPLACE FUNCTION epci_json(p_siren text) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object('siren', e.siren, 'name', e.name) FROM epcis e WHERE e.siren = p_siren);
END
$$;

CREATE OR REPLACE FUNCTION field_diagnostic_json(d diagnostics) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object(
			'id', d.id, 'household_id', d.household_id, 'procedure_id', d.procedure_id,
			'assigned_org', org_ref_json(d.assigned_org_id), 'status', d.status, 'requested_on', d.requested_on,
			'hearing_on', d.hearing_date, 'interview_offered_on', d.interview_offered_on,
			'report', d.report, 'report_sent_on', d.report_sent_on, 'carence_on', d.carence_on,
			'note', d.note,
			'outreach_case_id', (SELECT c.id FROM outreach_cases c WHERE c.diagnostic_id = d.id),
			'version', d.version, 'created_at', rfc3339(d.created_at), 'updated_at', rfc3339(d.updated_at)));
END
$$;

CREATE OR REPLACE FUNCTION masp_measure_json(m masp_measures) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object(
			'id', m.id, 'household_id', m.household_id, 'type', m.type,
			'operator_org', org_ref_json(m.operator_org_id),
			'start_on', m.start_on, 'planned_end_on', m.planned_end_on, 'end_on', m.end_on, 'status', m.status,
			'renewals', coalesce((SELECT json_agg(json_build_object('id', r.id, 'renewed_on', r.renewed_on,
					'previous_end_on', r.previous_end_on, 'until_on', r.until_on)
					ORDER BY r.renewed_on, r.created_at)
				FROM masp_renewals r WHERE r.measure_id = m.id), '[]'::json),
			'note', m.note, 'version', m.version,
			'created_at', rfc3339(m.created_at), 'updated_at', rfc3339(m.updated_at)));
END
$$;

CREATE OR REPLACE FUNCTION org_ref_json(p_id uuid) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object('id', o.id, 'name', o.name, 'kind', o.kind) FROM organisations o WHERE o.id = p_id);
END
$$;

CREATE OR REPLACE FUNCTION organisation_json(o organisations) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object(
			'id', o.id, 'kind', o.kind, 'name', o.name, 'siret', o.siret, 'disabled', o.disabled,
			'departements', coalesce((SELECT json_agg(d.departement_code ORDER BY d.departement_code)
				FROM organisation_departements d WHERE d.organisation_id = o.id), '[]'::json),
			'territory', json_build_object(
				'communes', coalesce((SELECT json_agg(c.insee ORDER BY c.insee)
					FROM organisation_communes c WHERE c.organisation_id = o.id), '[]'::json),
				'epcis', coalesce((SELECT json_agg(e.epci_siren ORDER BY e.epci_siren)
					FROM organisation_epcis e WHERE e.organisation_id = o.id), '[]'::json)),
			'version', o.version, 'created_at', rfc3339(o.created_at), 'updated_at', rfc3339(o.updated_at)));
END
$$;

CREATE OR REPLACE FUNCTION orientation_household_relations(p_household uuid, p_org uuid, p_kind text) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT CASE WHEN p_kind IN ('adil', 'social_service', 'association')
			     AND EXISTS (SELECT 1 FROM referral_orientations o
					 WHERE o.addressee_org_id = p_org AND o.household_id = p_household)
			    THEN 32 ELSE 0 END);
END
$$;

CREATE OR REPLACE FUNCTION orientation_referral_relations(r referrals, p_org uuid, p_kind text) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT ccapex_referral_relations(r, p_org, p_kind)
		     | CASE WHEN p_kind IN ('adil', 'social_service', 'association')
			     AND EXISTS (SELECT 1 FROM referral_orientations o
					 WHERE o.referral_id = r.id AND o.addressee_org_id = p_org)
			    THEN 32 ELSE 0 END);
END
$$;

CREATE OR REPLACE FUNCTION outreach_case_full_json(c outreach_cases) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT (outreach_case_json(c)::jsonb || jsonb_build_object('interventions',
			coalesce((SELECT jsonb_agg(outreach_intervention_json(i)::jsonb ORDER BY i.done_on, i.created_at, i.id)
				  FROM outreach_interventions i WHERE i.case_id = c.id), '[]'::jsonb)))::json);
END
$$;

CREATE OR REPLACE FUNCTION outreach_case_json(c outreach_cases) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object(
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
			'created_at', rfc3339(c.created_at), 'updated_at', rfc3339(c.updated_at)));
END
$$;

CREATE OR REPLACE FUNCTION prefecture_queue_json(q prefecture_queue) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object(
			'id', q.id, 'kind', q.kind, 'procedure_id', q.procedure_id, 'household_id', q.household_id,
			'event_id', q.event_id, 'event_on', q.event_date, 'due_on', q.due_on, 'status', q.status,
			'commune', json_build_object('insee', c.insee, 'name', c.name),
			'epci', CASE WHEN e.siren IS NOT NULL THEN json_build_object('siren', e.siren, 'name', e.name) END,
			'created_at', rfc3339(q.created_at))
		FROM households h JOIN communes c ON c.insee = h.insee LEFT JOIN epcis e ON e.siren = c.epci_siren
		WHERE h.id = q.household_id);
END
$$;

CREATE OR REPLACE FUNCTION webhook_delivery_json(d webhook_deliveries) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT json_build_object(
			'id', d.id, 'webhook_id', d.webhook_id, 'event_seq', d.feed_seq, 'event_type', d.event_type,
			'resource', json_build_object('type', d.resource_type, 'id', d.resource_id),
			'status', d.status, 'attempt_count', d.attempts,
			'next_attempt_at', CASE WHEN d.status = 'pending' THEN rfc3339(d.next_attempt_at) END,
			'last_status_code', d.last_status_code, 'last_error', d.last_error,
			'delivered_at', CASE WHEN d.delivered_at IS NOT NULL THEN rfc3339(d.delivered_at) END,
			'created_at', rfc3339(d.created_at),
			'attempts', coalesce((SELECT json_agg(json_build_object('at', rfc3339(a.at), 'status_code', a.status_code,
					'error', a.error, 'duration_ms', a.duration_ms) ORDER BY a.id)
				FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]'::json)));
END
$$;
