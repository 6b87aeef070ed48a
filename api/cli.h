/* The operator's commands besides serve and migrate. Each returns the
 * process exit status: 0, 1 on failure, 2 on a usage error. */
#ifndef API_CLI_H
#define API_CLI_H

int cli_keys(int argc, char **argv);
int cli_org(int argc, char **argv);
int cli_client(int argc, char **argv);
int cli_demo_data(int argc, char **argv);
int cli_purge(int argc, char **argv);

#endif
