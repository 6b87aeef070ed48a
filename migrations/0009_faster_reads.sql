-- The household's representation and its stage, in PL/pgSQL. As SQL
-- functions with a FROM clause or a sub-select they cannot be inlined, and
-- PostgreSQL planned their queries again at every call: on the read of one
-- household, as the API runs it, that planning cost more than the read.
-- PL/pgSQL keeps each plan for the session. Same arguments, same answers.
CREATE OR REPLACE FUNCTION household_stage(p_household uuid) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN coalesce((SELECT p.stage FROM procedures p WHERE p.household_id = p_household
			 ORDER BY p.created_at DESC, p.id DESC LIMIT 1), 'none');
END
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
	WHERE c.insee = h.insee);
END
$$;
