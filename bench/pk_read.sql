-- One single-row primary-key read, as the API's reads are: the database's own
-- ceiling for bench/run. bench_pk is resolved through search_path (PGOPTIONS),
-- in the throwaway schema bench/run creates and drops.
\set id random(1, 100000)
SELECT payload FROM bench_pk WHERE id = :id;
