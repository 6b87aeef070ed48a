-- The lease's date decides a payment order's time to pay: 6 weeks for a
-- lease concluded or last renewed on or after 29 July 2023 (loi 2023-668),
-- 2 months for an older one (Cass. avis 13 June 2024, n° 24-70.002). A
-- payment order may carry it; the household may carry it for the acts that
-- do not.
ALTER TABLE households ADD COLUMN lease_signed_on date;
ALTER TABLE procedure_events ADD COLUMN lease_signed_on date;

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
			WHEN h.landlord_org_id IS NOT NULL THEN json_build_object('organisation_id', h.landlord_org_id)
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
		'created_by', h.created_by_org,
		'version', h.version, 'created_at', rfc3339(h.created_at), 'updated_at', rfc3339(h.updated_at))
	FROM communes c LEFT JOIN epcis e ON e.siren = c.epci_siren
	WHERE c.insee = h.insee);
END
$$;

CREATE OR REPLACE FUNCTION procedure_event_json(e procedure_events) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT (jsonb_build_object(
		'id', e.id, 'procedure_id', e.procedure_id, 'seq', e.seq, 'kind', e.kind, 'date', e.event_date,
		'corrects', e.corrects, 'organisation_id', e.organisation_id, 'created_at', rfc3339(e.created_at))
	    || jsonb_strip_nulls(jsonb_build_object(
		'debt_cents', e.debt_cents, 'rent_cents', e.rent_cents, 'months_unpaid', e.months_unpaid,
		'lease_signed_on', e.lease_signed_on,
		'hearing_date', e.hearing_date, 'court', e.court, 'prefet_notified_on', e.prefet_notified_on,
		'outcome', e.outcome, 'delay_months', e.delay_months, 'with_cfp', e.with_cfp)))::json
$$;
