/* Prepared statements, execution and transactions on one connection. */
#ifndef STORAGE_DB_H
#define STORAGE_DB_H

#include <libpq-fe.h>

#include "domain/err.h"

/* Visibility through indexes (0026, 0029, 0030). A list finds its page
 * among the rows of the households visible_household_candidates() gives
 * for org, kind and relations (SQL expressions; relations: the bitmask of
 * relations the list's filter reads by), and keeps its relations function
 * as the filter: the answers are the function's. Two ways, one-time
 * filtered on the kind and the count of candidates, so that one runs:
 *  - an organisation with up to 2,000 candidates, not a préfecture or a
 *    département: from their rows, so that the function is asked of those
 *    only;
 *  - the préfecture and the département (DB_WIDE_KINDS), whose
 *    DEPARTEMENT relation covers every household of their départements,
 *    and any organisation with more candidates: the rows of each of its
 *    départements in page order (area: the row's département, first
 *    column of an index in page order), each row's household probed
 *    (household_is_candidate(), a few index probes; not for the wide
 *    kinds, whose every household there is one), and beside them the rows
 *    of its candidates outside its départements
 *    (visible_household_candidates_outside(), DEPARTEMENT left out for
 *    the wide kinds): from their rows in a département where they are up
 *    to 2,000, else from that département's rows in page order, each
 *    tested against the set (a hash; "IS TRUE" keeps the test a filter
 *    rather than a join of the whole set). A page reads about a page of
 *    rows per département where the organisation's rows are dense, which
 *    they are when it has that many.
 * DB_VISIBLE_CTE is a member of a WITH list; DB_VISIBLE_PAGE(household id,
 * area, org, kind, relations, "SELECT ... FROM t ...", " AND ...", t,
 * limit) the page of limit rows, in parentheses, in the order of t's
 * created_at and id (the select list names them id and created_at). */
#define DB_WIDE_KINDS "'prefecture', 'departement'"
#define DB_VISIBLE_CTE(org, kind, relations) \
	" vc AS MATERIALIZED (SELECT c.household_id FROM visible_household_candidates(" org "::uuid, " kind \
	"::text, " relations "::integer) c WHERE " kind "::text NOT IN (" DB_WIDE_KINDS ") LIMIT 2001)," \
	" vo AS MATERIALIZED (SELECT c.household_id, c.departement_code" \
	" FROM visible_household_candidates_outside(" org "::uuid, " kind \
	"::text, CASE WHEN " kind "::text IN (" DB_WIDE_KINDS ") THEN " relations "::integer & ~2" \
	" ELSE " relations "::integer END) c" \
	" WHERE " kind "::text IN (" DB_WIDE_KINDS ") OR (SELECT count(*) FROM vc) > 2000)," \
	" vd AS MATERIALIZED (SELECT vo.departement_code, count(*) AS n FROM vo GROUP BY vo.departement_code),"
#define DB_PAGE_ORDER(t, limit) " ORDER BY " t ".created_at, " t ".id LIMIT " limit
#define DB_VISIBLE_PAGE(household_id, area, org, kind, relations, select_from, and_rest, t, limit) \
	" ((" select_from " WHERE " kind "::text NOT IN (" DB_WIDE_KINDS ") AND (SELECT count(*) FROM vc) <= 2000" \
	" AND " household_id " IN (SELECT vc.household_id FROM vc)" and_rest DB_PAGE_ORDER(t, limit) ")" \
	" UNION ALL (SELECT w.* FROM ((SELECT d.* FROM organisation_departements od CROSS JOIN LATERAL (" \
	select_from " WHERE " area " = od.departement_code" \
	"  AND (" kind "::text IN (" DB_WIDE_KINDS ") OR household_is_candidate(" household_id ", " org "::uuid, " \
	kind "::text, " relations "::integer))" and_rest DB_PAGE_ORDER(t, limit) ") d" \
	"  WHERE od.organisation_id = " org "::uuid" \
	"  AND (" kind "::text IN (" DB_WIDE_KINDS ") OR (SELECT count(*) FROM vc) > 2000))" \
	" UNION ALL (" select_from " WHERE " household_id " IN (SELECT vo.household_id FROM vo" \
	"   JOIN vd ON vd.departement_code = vo.departement_code WHERE vd.n <= 2000)" and_rest DB_PAGE_ORDER(t, limit) ")" \
	" UNION ALL (SELECT e.* FROM vd CROSS JOIN LATERAL (" select_from " WHERE " area " = vd.departement_code" \
	"  AND (" household_id " IN (SELECT vo.household_id FROM vo)) IS TRUE" and_rest DB_PAGE_ORDER(t, limit) ") e" \
	"  WHERE vd.n > 2000)) w ORDER BY w.created_at, w.id LIMIT " limit "))"

struct db_stmt {
	const char *name; /* "module_verb_noun" */
	const char *sql;
};

/* Prepares every statement of every storage module on conn. */
int db_prepare_all(PGconn *conn, struct err *err);

/* The SQL of the statement name (borrowed, static), NULL when there is
 * none: for the benchmarks, which run the stores' statements in pgbench. */
const char *db_statement_sql(const char *name);

/* Readies a new connection of the service (the pool's and the command
 * line's): JIT off for the session, then every statement prepared. The
 * service's statements run in milliseconds, and compiling one costs more
 * (210 ms for an organisation's key figures at --scale 100, whose execution
 * takes 30 ms, once its estimated cost crossed jit_above_cost; about 100 ms
 * for each merge of an import batch). */
int db_session_start(PGconn *conn, struct err *err);

/* Runs the prepared statement name with text parameters (NULL values are SQL
 * NULL). On success *out is a result the caller PQclear()s; on failure *out
 * is NULL and err says why (SQLSTATE mapped by pg_err). */
int db_exec(PGresult **out, PGconn *conn, const char *name, int nparams,
	    const char *const *values, struct err *err);

/* Runs a prepared statement and keeps nothing of its result. */
int db_exec_discard(PGconn *conn, const char *name, int nparams,
		    const char *const *values, struct err *err);

/* Runs the prepared statement name count times, the i-th with the nparams
 * values from values[i * nparams], in libpq's pipeline mode: sent one after
 * the other without waiting for the answers, a single round trip for them
 * all. For independent statements of the caller's transaction. out has
 * room for count results: on success out[i] is the i-th, for
 * db_results_free(); on failure every out[i] is NULL and err says why the
 * first statement that failed did (those after it are not run, and the
 * transaction is aborted). */
int db_exec_pipelined(PGresult **out, PGconn *conn, const char *name, int count, int nparams,
		      const char *const *values, struct err *err);

/* PQclear()s out[0 .. count) and frees out, an array from malloc; NULL is
 * accepted. */
void db_results_free(PGresult **out, int count);

int db_begin(PGconn *conn, struct err *err);
/* One snapshot, no write: what a hot-standby replica may run. */
int db_begin_read_only(PGconn *conn, struct err *err);
int db_commit(PGconn *conn, struct err *err);
/* Safe to call at any point; a failed rollback leaves the connection broken,
 * and the pool then replaces it. */
void db_rollback(PGconn *conn);

/* A random (version 4) UUID into out, for rows whose id the caller needs
 * before the insert (a batch's new procedures, households and events). */
void db_new_uuid(char out[40]);

#endif
