-- Retention of the change feed and of settled webhook deliveries.
--
-- `prevex purge` removes feed events older than a retention period, in feed
-- order: everything up to a position H, the last settled event created
-- before the cut-off, and never past the cursor of any webhook, so that no
-- webhook loses an event it has not yet turned into a delivery. H is kept
-- here: a reader whose cursor lies before it may have missed purged events,
-- and gets 410 Gone instead of a silent gap (GET /v1/events).

CREATE TABLE feed_horizon (
	only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	pos xid8 NOT NULL,
	seq bigint NOT NULL,
	purged_at timestamptz NOT NULL
);

CREATE INDEX feed_events_created ON feed_events (created_at);

-- Deletes the feed events up to the last settled one created before
-- p_before (bounded by the webhooks' cursors), moves the horizon, and
-- returns how many rows went.
CREATE FUNCTION feed_purge(p_before timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	v_xmin xid8 := pg_snapshot_xmin(pg_current_snapshot());
	v_pos xid8;
	v_seq bigint;
	w_pos xid8;
	w_seq bigint;
	v_deleted bigint;
BEGIN
	SELECT f.pos, f.seq INTO v_pos, v_seq FROM feed_events f
	 WHERE f.created_at < p_before AND f.pos < v_xmin
	 ORDER BY f.pos DESC, f.seq DESC LIMIT 1;
	IF v_pos IS NULL THEN
		RETURN 0;
	END IF;
	SELECT w.cursor_pos, w.cursor_seq INTO w_pos, w_seq FROM webhooks w
	 ORDER BY w.cursor_pos, w.cursor_seq LIMIT 1;
	IF w_pos IS NOT NULL AND (w_pos, w_seq) < (v_pos, v_seq) THEN
		v_pos := w_pos;
		v_seq := w_seq;
	END IF;
	DELETE FROM feed_events f WHERE (f.pos, f.seq) <= (v_pos, v_seq);
	GET DIAGNOSTICS v_deleted = ROW_COUNT;
	INSERT INTO feed_horizon (pos, seq, purged_at) VALUES (v_pos, v_seq, now())
	ON CONFLICT (only_row) DO UPDATE SET pos = EXCLUDED.pos, seq = EXCLUDED.seq, purged_at = EXCLUDED.purged_at
	 WHERE (feed_horizon.pos, feed_horizon.seq) < (EXCLUDED.pos, EXCLUDED.seq);
	RETURN v_deleted;
END
$$;

-- Deliveries that ended (delivered, or given up) before p_before, with
-- their attempts; pending ones stay whatever their age.
CREATE FUNCTION webhook_deliveries_purge(p_before timestamptz) RETURNS bigint LANGUAGE sql AS $$
	WITH gone AS (
		DELETE FROM webhook_deliveries d
		 WHERE d.status IN ('delivered', 'failed')
		   AND coalesce(d.delivered_at, d.last_attempt_at, d.created_at) < p_before
		RETURNING 1)
	SELECT count(*) FROM gone
$$;

DO $$
BEGIN
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'prevex_app') THEN
		GRANT SELECT ON feed_horizon TO prevex_app;
	END IF;
END
$$;
