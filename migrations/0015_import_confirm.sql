-- Issue 13: a CAF number alone never attaches an imported act to a household
-- the importing organisation cannot read. Such a match must be confirmed by
-- the address or the holder's name on file (storage/imports_store.c,
-- imports_store_open_files); these fold both sides the same way.

-- An address or a name as people write it: without case, accents,
-- punctuation or extra blanks ("12  RUE DE L EGLISE" is "12 rue de
-- l'Église"). Letters outside Latin-1 and Latin Extended-A's French ones are
-- kept as they are. NULL when nothing is left.
CREATE FUNCTION import_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT nullif(btrim(regexp_replace(lower(translate(
		replace(replace(replace(replace(replace(t, 'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), 'Æ', 'ae'), 'ß', 'ss'),
		'àâäáãåçéèêëíìîïñóòôöõøúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕØÚÙÛÜÝŸ',
		'aaaaaaceeeeiiiinoooooouuuuyyaaaaaaceeeeiiiinoooooouuuuyy')),
		'[[:space:][:punct:]’‘«»–—]+', ' ', 'g')), '')
$$;

-- A person's name folded, its words in order: "DUPONT-MOREAU Élise" is
-- "Élise Dupont Moreau".
CREATE FUNCTION import_fold_name(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT string_agg(w, ' ' ORDER BY w) FROM regexp_split_to_table(import_fold(t), ' ') AS w
$$;
