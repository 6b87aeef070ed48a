/* prevex-stmt-sql NAME...: prints the SQL of each named statement of the
 * stores (storage/), one per line, for pgbench files (bench/visibility.sh).
 * prevex-stmt-sql --mask KIND ACTION: prints the relations mask the API
 * passes for the action (1 << each relation policy_allows()), or, for the
 * ACTION "social", the relations under which the kind sees the social
 * notes (ccapex_viewer_of() of api/referrals.c).
 * Exits 1 on an unknown name. */
#include <stdio.h>
#include <string.h>

#include "domain/policy.h"
#include "storage/db.h"

static int print_mask(const char *kind_name, const char *action_name)
{
	enum org_kind kind;
	if (policy_kind_from_string(kind_name, &kind) != 0) {
		fprintf(stderr, "prevex-stmt-sql: no kind %s\n", kind_name);
		return 1;
	}
	bool social = strcmp(action_name, "social") == 0;
	int action = -1;
	for (int a = 0; !social && a < POLICY_ACTION__COUNT; a++)
		if (strcmp(policy_action_to_string((enum policy_action)a), action_name) == 0)
			action = a;
	if (!social && action < 0) {
		fprintf(stderr, "prevex-stmt-sql: no action %s\n", action_name);
		return 1;
	}
	unsigned mask = 0;
	for (int r = POLICY_REL_NONE + 1; r < POLICY_REL__COUNT; r++) {
		bool on = social ? (policy_household_fields(kind, (enum policy_relation)r) & POLICY_FIELD_VULNERABILITY) != 0
				 : policy_allows(kind, (enum policy_action)action, (enum policy_relation)r);
		if (on)
			mask |= 1u << r;
	}
	printf("%u\n", mask);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--mask") == 0)
		return print_mask(argv[2], argv[3]);
	for (int i = 1; i < argc; i++) {
		const char *sql = db_statement_sql(argv[i]);
		if (sql == NULL) {
			fprintf(stderr, "prevex-stmt-sql: no statement %s\n", argv[i]);
			return 1;
		}
		printf("%s\n", sql);
	}
	return 0;
}
