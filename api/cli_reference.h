/* prevex reference load FILE | --etalab DIR: communes, EPCIs and départements (reference/README.md). */
#ifndef API_CLI_REFERENCE_H
#define API_CLI_REFERENCE_H

/* The process exit status: 0, 1 on failure, 2 on a usage error. */
int cli_reference(int argc, char **argv);

#endif
