-- Bulk ingest of acts at the pace of set-based SQL (issue 8).
--
-- An import batch writes the change feed of the stage changes it makes
-- itself, in one statement for the whole batch (imports_store_write_acts()
-- in storage/imports_store.c, one procedure.stage_changed per event that
-- changes the stage, to the same organisations with the same relations as
-- feed_procedure_stage() of 0007 gives them), where this trigger would call
-- its function once per procedure, and procedure_relations() once per
-- organisation concerned: most of the time of a batch of follow-up acts.
-- The import says so with the transaction-local setting
-- prevex.feed_by_caller = 'on', set just before its stage update and reset
-- just after it; the trigger then stands aside for that statement. Every
-- other writer leaves the setting unset, and the trigger publishes as
-- before. The trigger's function is unchanged: only its WHEN condition
-- gains the test, which costs no call of PL/pgSQL.
CREATE OR REPLACE TRIGGER feed_procedure_stage AFTER UPDATE OF stage ON procedures
	FOR EACH ROW WHEN (OLD.stage IS DISTINCT FROM NEW.stage
			   AND current_setting('prevex.feed_by_caller', true) IS DISTINCT FROM 'on')
	EXECUTE FUNCTION feed_procedure_stage();

-- Likewise, the import starts the history of the referrals it opens (their
-- 'received' step, as referral_events_received() of 0005 writes it) in the
-- statement that inserts them, under prevex.referral_history_by_caller =
-- 'on'; the trigger stands aside for that statement only.
CREATE OR REPLACE TRIGGER referrals_history_starts AFTER INSERT ON referrals
	FOR EACH ROW WHEN (current_setting('prevex.referral_history_by_caller', true) IS DISTINCT FROM 'on')
	EXECUTE FUNCTION referral_events_received();
