#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "storage/db.h"
#include "storage/sync_store.h"
#include "support.h"

static char schema[32];
static char url[2048];

#define ORG "00000000-0000-4000-8000-000000000001"
#define CASE "00000000-0000-4000-8000-0000000000ca"

static void schema_setup(void)
{
	PGconn *conn = support_migrated_schema(schema, sizeof(schema), url, sizeof(url));
	PQfinish(conn);
}

static void schema_teardown(void)
{
	support_drop_schema(schema);
}

/* Writes count tombstones of ORG in one transaction, their seq values
 * first_seq, first_seq + 1, ... and their entity ids numbered from
 * first_id, so that a page crosses from one decimal length to the next. */
static void write_log(PGconn *conn, int first_id, int first_seq, int count)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO sync_log (org_id, entity, entity_id, case_id, op, seq)"
		 " SELECT '" ORG "', 'outreach_case',"
		 " ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, '" CASE "', 'tombstone', %d + g - %d"
		 " FROM generate_series(%d, %d) g",
		 first_seq, first_id, first_id, first_id + count - 1);
	support_exec(conn, sql);
}

/* Walks the whole log of ORG limit entries at a time and checks that every
 * entry comes exactly once, in the order it was written. */
static void walk(PGconn *conn, int limit, int expected)
{
	struct field_caller caller = { .org_id = ORG, .kind = "association", .request_id = "test" };
	struct sync_position at = { "0", "0" };
	int seen = 0;
	for (int round = 0; round < 1000; round++) {
		struct sync_page page;
		struct err err;
		ck_assert_int_eq(sync_store_read(conn, &caller, &at, true, limit, &page, &err), ERR_OK);
		for (int i = 0; i < page.count; i++) {
			char want[40];
			snprintf(want, sizeof(want), "00000000-0000-4000-8000-%012d", seen + 1);
			ck_assert_msg(seen < expected, "more entries than written (limit %d): %s", limit,
				      page.items[i].id);
			ck_assert_msg(strcmp(page.items[i].id, want) == 0, "limit %d, entry %d: %s, expected %s",
				      limit, seen, page.items[i].id, want);
			seen++;
		}
		at = page.next;
		bool more = page.more;
		sync_page_free(&page);
		if (!more)
			break;
	}
	ck_assert_int_eq(seen, expected);
}

START_TEST(pages_follow_the_numeric_order_of_the_cursor)
{
	PGconn *conn = support_connect(url);
	struct err err;
	ck_assert_int_eq(db_prepare_all(conn, &err), ERR_OK);
	/* seq 95..106 in one transaction, then 995..1006 in a later one. */
	write_log(conn, 1, 95, 12);
	write_log(conn, 13, 995, 12);
	for (int limit = 1; limit <= 25; limit++)
		walk(conn, limit, 24);
	PQfinish(conn);
}
END_TEST

static Suite *sync_store_suite(void)
{
	Suite *s = suite_create("sync_store");
	TCase *tc = tcase_create("read");
	tcase_add_unchecked_fixture(tc, schema_setup, schema_teardown);
	tcase_add_test(tc, pages_follow_the_numeric_order_of_the_cursor);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sync_store_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
