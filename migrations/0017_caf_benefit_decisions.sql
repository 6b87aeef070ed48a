-- 1 January 2027 (décret 2026-84): dated CAF signals judged under the rule
-- of their date, and the benefit decisions the CCAPEX takes from then on.

---------------------------------------------------------------------------
-- CAF signals carry the day the arrears are signalled, what the tests need
-- (monthly rent and charges for the test before 2027, the first missed
-- payment for the one after) and the judgement the domain made under the
-- rule of that day (domain/caf.c): constituted (NULL when the data the rule
-- needs is missing), the tests met, and the rule's id, version (the day it
-- took effect) and legal basis; no rule at all for a day before any version
-- the engine knows (1 September 2016). Signals stored before this migration
-- had no date: they get the day they were received, and rent unknown, hence
-- the old test's judgement "unknown".
ALTER TABLE caf_signals
	ADD COLUMN signalled_on date,
	ADD COLUMN rent_cents bigint CHECK (rent_cents BETWEEN 0 AND 100000000),
	ADD COLUMN charges_cents bigint CHECK (charges_cents BETWEEN 0 AND 100000000),
	ADD COLUMN first_missed_on date,
	ADD COLUMN arrears_constituted boolean,
	ADD COLUMN arrears_tests text[] NOT NULL DEFAULT '{}'
		CHECK (arrears_tests <@ ARRAY['two_months_rent_with_charges', 'debt_over_450',
					      'three_months_after_first_missed']),
	ADD COLUMN arrears_rule text CHECK (arrears_rule = 'caf_arrears'),
	ADD COLUMN arrears_rule_version date,
	ADD COLUMN arrears_rule_basis text CHECK (length(arrears_rule_basis) BETWEEN 1 AND 200);
UPDATE caf_signals SET signalled_on = (created_at AT TIME ZONE 'Europe/Paris')::date,
	arrears_rule = 'caf_arrears', arrears_rule_version = DATE '2016-09-01',
	arrears_rule_basis = 'decret 2016-748';
ALTER TABLE caf_signals ALTER COLUMN signalled_on SET NOT NULL,
	ADD CONSTRAINT caf_signals_first_missed CHECK (first_missed_on <= signalled_on),
	ADD CONSTRAINT caf_signals_judged CHECK ((arrears_rule IS NULL) = (arrears_rule_basis IS NULL)),
	ADD CONSTRAINT caf_signals_tests_met CHECK (arrears_constituted IS TRUE OR arrears_tests = '{}');
CREATE INDEX caf_signals_organisation ON caf_signals (organisation_id, created_at, id);
CREATE INDEX caf_signals_created ON caf_signals (created_at, id);

CREATE FUNCTION caf_arrears_json(s caf_signals) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('constituted', s.arrears_constituted, 'tests_met', to_json(s.arrears_tests),
		'rule', CASE WHEN s.arrears_rule IS NOT NULL THEN json_build_object('id', s.arrears_rule,
			'version', s.arrears_rule_version, 'basis', s.arrears_rule_basis) END)
$$;

CREATE FUNCTION caf_signal_json(s caf_signals) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', s.id, 'external_id', s.external_id, 'organisation_id', s.organisation_id,
		'household_id', s.household_id, 'match', s.match, 'caf_number', s.caf_number,
		'address', json_build_object('line', s.address_line, 'postcode', s.postcode, 'insee', s.insee),
		'holder_name', s.holder_name, 'date', s.signalled_on, 'debt_cents', s.debt_cents,
		'months_unpaid', s.months_unpaid, 'rent_cents', s.rent_cents, 'charges_cents', s.charges_cents,
		'first_missed_on', s.first_missed_on, 'benefit_status', s.benefit_status,
		'paid_to_landlord', s.paid_to_landlord, 'arrears', caf_arrears_json(s),
		'version', s.version, 'created_at', rfc3339(s.created_at), 'updated_at', rfc3339(s.updated_at))
$$;

---------------------------------------------------------------------------
-- Benefit decisions. A signal dated from 2027 whose unpaid is constituted
-- and which is matched to a household opens one, addressed to the CAF that
-- sent it; the CCAPEX secretariat decides (maintained, suspended or paid
-- to the landlord, with its reasons and date), the CAF reports when it has
-- applied it. A household has at most one that is not applied yet: the
-- partial unique index decides between concurrent signals (INSERT ... ON
-- CONFLICT DO NOTHING), never a check before the insert.
CREATE TABLE benefit_decisions (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	household_id uuid NOT NULL REFERENCES households (id),
	caf_signal_id uuid NOT NULL REFERENCES caf_signals (id),
	addressee_org_id uuid NOT NULL REFERENCES organisations (id),
	signalled_on date NOT NULL CHECK (signalled_on >= DATE '2027-01-01'),
	status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'decided', 'applied')),
	decision text CHECK (decision IN ('maintained', 'suspended', 'paid_to_landlord')),
	reasons text CHECK (length(reasons) BETWEEN 1 AND 4000),
	decided_on date CHECK (decided_on >= signalled_on),
	decided_by_org uuid REFERENCES organisations (id),
	decided_at timestamptz,
	applied_on date CHECK (applied_on >= decided_on),
	applied_at timestamptz,
	version integer NOT NULL DEFAULT 1,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CHECK ((status = 'open') = (decision IS NULL)),
	CHECK ((decision IS NULL) = (reasons IS NULL) AND (decision IS NULL) = (decided_on IS NULL)),
	CHECK ((status = 'applied') = (applied_on IS NOT NULL))
);
CREATE UNIQUE INDEX benefit_decisions_one_open ON benefit_decisions (household_id)
	WHERE status IN ('open', 'decided');
CREATE INDEX benefit_decisions_addressee ON benefit_decisions (addressee_org_id, created_at, id);
CREATE INDEX benefit_decisions_created ON benefit_decisions (created_at, id);
CREATE INDEX benefit_decisions_signal ON benefit_decisions (caf_signal_id);

CREATE FUNCTION benefit_decision_json(d benefit_decisions) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', d.id, 'household_id', d.household_id, 'caf_signal_id', d.caf_signal_id,
		'addressee_id', d.addressee_org_id, 'signalled_on', d.signalled_on, 'status', d.status,
		'decision', d.decision, 'reasons', d.reasons, 'decided_on', d.decided_on,
		'decided_by', d.decided_by_org,
		'decided_at', CASE WHEN d.decided_at IS NOT NULL THEN rfc3339(d.decided_at) END,
		'applied_on', d.applied_on,
		'applied_at', CASE WHEN d.applied_at IS NOT NULL THEN rfc3339(d.applied_at) END,
		'version', d.version, 'created_at', rfc3339(d.created_at), 'updated_at', rfc3339(d.updated_at))
$$;

---------------------------------------------------------------------------
-- The feed (0006): three more event types on a new resource type. Each step
-- of a decision reaches its addressee CAF (ADDRESSEE, 32) and the
-- secretariat, every préfecture and département (DEPARTEMENT, 2): the
-- secretariat learns that one opened and that it was applied, the CAF that
-- it was decided.
ALTER TABLE feed_events DROP CONSTRAINT feed_events_type_check,
	ADD CONSTRAINT feed_events_type_check CHECK (type IN ('procedure.stage_changed', 'referral.examined',
		'opinion.issued', 'recommendation.addressed', 'diagnostic.assigned', 'benefit_decision.opened',
		'benefit_decision.decided', 'benefit_decision.applied'));
ALTER TABLE feed_events DROP CONSTRAINT feed_events_resource_type_check,
	ADD CONSTRAINT feed_events_resource_type_check CHECK (resource_type IN ('procedure', 'referral', 'opinion',
		'recommendation', 'diagnostic', 'benefit_decision'));

CREATE FUNCTION feed_benefit_decision() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	v_type text := CASE NEW.status WHEN 'open' THEN 'benefit_decision.opened'
				       WHEN 'decided' THEN 'benefit_decision.decided'
				       ELSE 'benefit_decision.applied' END;
	v_payload jsonb := jsonb_build_object('benefit_decision_id', NEW.id, 'household_id', NEW.household_id,
					      'caf_signal_id', NEW.caf_signal_id, 'status', NEW.status,
					      'decision', NEW.decision, 'decided_on', NEW.decided_on,
					      'applied_on', NEW.applied_on);
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.status = NEW.status THEN
		RETURN NULL;
	END IF;
	PERFORM feed_publish(o.id, CASE WHEN o.kind IN ('prefecture', 'departement') THEN 2 ELSE 32 END, v_type,
			     'benefit_decision', NEW.id, v_payload)
	FROM organisations o
	WHERE o.id = NEW.addressee_org_id OR o.kind IN ('prefecture', 'departement')
	ORDER BY o.id;
	RETURN NULL;
END
$$;
CREATE TRIGGER feed_benefit_decision AFTER INSERT OR UPDATE OF status ON benefit_decisions
	FOR EACH ROW EXECUTE FUNCTION feed_benefit_decision();

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'prevex_app') THEN
		GRANT SELECT, INSERT, UPDATE ON benefit_decisions TO prevex_app;
	END IF;
END
$$;
