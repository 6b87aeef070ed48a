/* prevex-stmt-sql NAME...: prints the SQL of each named statement of the
 * stores (storage/), one per line, for pgbench files (bench/visibility.sh).
 * Exits 1 when a name is no statement. */
#include <stdio.h>

#include "storage/db.h"

int main(int argc, char **argv)
{
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
