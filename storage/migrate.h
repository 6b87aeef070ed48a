#ifndef STORAGE_MIGRATE_H
#define STORAGE_MIGRATE_H
struct migration_file {
	int version;
	const char *name;
	const char *sha256;
	const char *sql;
};
extern const struct migration_file migration_files[];
extern const int migration_files_count;
#endif
