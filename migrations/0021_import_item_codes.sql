-- An import item's rejection names its problem type (the code of the
-- catalogue served at /problems), as every error of the API does, so that
-- an integration can program against it rather than against the reason's
-- wording. Items stored before this migration have none.
ALTER TABLE import_items ADD COLUMN code text
	CHECK (code IS NULL OR code ~ '^[a-z][a-z-]{1,62}$');
