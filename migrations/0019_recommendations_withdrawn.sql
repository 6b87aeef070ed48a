-- An opinion given again keeps the recommendations it still gives, under
-- their ids and with their reports; the ones it no longer gives are
-- withdrawn, never deleted, so that what the feed and the webhooks
-- announced stays readable, and their addressee hears of the withdrawal.

ALTER TABLE recommendations
	DROP CONSTRAINT recommendations_status_check,
	ADD CONSTRAINT recommendations_status_check
		CHECK (status IN ('pending', 'accepted', 'done', 'declined', 'withdrawn')),
	ADD COLUMN withdrawn_at timestamptz,
	ADD CONSTRAINT recommendations_withdrawn_at CHECK ((status = 'withdrawn') = (withdrawn_at IS NOT NULL));

CREATE OR REPLACE FUNCTION ccapex_recommendation_json(m recommendations) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
		'id', m.id, 'referral_id', m.referral_id, 'household_id', r.household_id,
		'commission_id', m.commission_id, 'addressee_id', m.addressee_org_id, 'text', m.body,
		'due_date', m.due_on, 'status', m.status, 'comment', m.comment,
		'reported_at', CASE WHEN m.reported_at IS NOT NULL THEN rfc3339(m.reported_at) END,
		'reported_by', m.reported_by_org,
		'withdrawn_at', CASE WHEN m.withdrawn_at IS NOT NULL THEN rfc3339(m.withdrawn_at) END,
		'version', m.version, 'created_at', rfc3339(m.created_at), 'updated_at', rfc3339(m.updated_at))
	FROM referrals r WHERE r.id = m.referral_id
$$;

ALTER TABLE feed_events
	DROP CONSTRAINT feed_events_type_check,
	ADD CONSTRAINT feed_events_type_check CHECK (type IN ('procedure.stage_changed', 'referral.examined',
		'opinion.issued', 'recommendation.addressed', 'recommendation.withdrawn', 'diagnostic.assigned',
		'benefit_decision.opened', 'benefit_decision.decided', 'benefit_decision.applied',
		'orientation.addressed', 'orientation.reported'));

CREATE FUNCTION feed_recommendation_withdrawn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM feed_publish(NEW.addressee_org_id, feed_role_relations(NEW.addressee_org_id, 32),
			     'recommendation.withdrawn', 'recommendation', NEW.id,
			     jsonb_build_object('recommendation_id', NEW.id, 'opinion_id', NEW.opinion_id,
						'referral_id', NEW.referral_id,
						'household_id', (SELECT r.household_id FROM referrals r
								 WHERE r.id = NEW.referral_id),
						'status', NEW.status));
	RETURN NULL;
END
$$;
CREATE TRIGGER feed_recommendation_withdrawn AFTER UPDATE OF status ON recommendations
	FOR EACH ROW WHEN (NEW.status = 'withdrawn' AND OLD.status <> 'withdrawn')
	EXECUTE FUNCTION feed_recommendation_withdrawn();
