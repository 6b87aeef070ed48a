/* Webhook callback URLs: their syntax, and which network addresses the
 * service may connect to. Pure C: the resolution itself happens in api/. */
#ifndef DOMAIN_WEBHOOK_URL_H
#define DOMAIN_WEBHOOK_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/err.h"

#define WEBHOOK_URL_MAX 2048
#define WEBHOOK_HOST_MAX 254

struct webhook_url {
	bool https;
	char host[WEBHOOK_HOST_MAX + 1]; /* without the brackets of an IPv6 literal */
	int port;                        /* the scheme's default when the URL gives none */
};

/* Reads an absolute http or https URL. ERR_INVALID naming field when it is
 * not one: another scheme, user information, a fragment, spaces or control
 * characters, an empty host, a bad port, more than WEBHOOK_URL_MAX bytes. */
int webhook_url_parse(const char *url, const char *field, struct webhook_url *out, struct err *err);

/* The checks that need no name resolution, for a request thread: the
 * scheme (http only to 127.0.0.1 with allow_loopback), the labels of a host
 * name, and the class of a literal address. A host whose last label is
 * numeric must be a dotted-quad IPv4 address ("127.1", "2130706433" and
 * "0x7f.0.0.1" are refused: resolvers read them as addresses). Names under
 * .invalid never resolve (RFC 6761) and are refused; any other name is
 * accepted here and resolved when a delivery connects (webhook_check_url).
 * ERR_INVALID (syntax, scheme) or ERR_UNPROCESSABLE (an address webhooks
 * may not reach) naming field. */
int webhook_url_check_host(const struct webhook_url *u, bool allow_loopback, const char *field, struct err *err);

enum webhook_addr_class {
	WEBHOOK_ADDR_PUBLIC,
	WEBHOOK_ADDR_LOOPBACK,     /* 127/8, ::1 */
	WEBHOOK_ADDR_PRIVATE,      /* 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10 */
	WEBHOOK_ADDR_LINK_LOCAL,   /* 169.254/16 (cloud metadata), fe80::/10 */
	WEBHOOK_ADDR_CGNAT,        /* 100.64/10 */
	WEBHOOK_ADDR_MULTICAST,    /* 224/4, ff00::/8, 255.255.255.255 */
	WEBHOOK_ADDR_UNSPECIFIED,  /* 0/8, :: */
	WEBHOOK_ADDR_RESERVED,     /* documentation, benchmarking, 240/4, IETF protocol
	                              assignments, discard-only, Teredo, ORCHID */
};

/* Classifies a binary address in network order: len 4 (IPv4) or 16
 * (IPv6). IPv6 forms that carry an IPv4 address (mapped ::ffff:0:0/96,
 * compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16) take the class of
 * that IPv4 address. Any other len is WEBHOOK_ADDR_RESERVED. */
enum webhook_addr_class webhook_addr_classify(const unsigned char *addr, size_t len);

/* "public", "loopback", "private"...: a static string for messages. */
const char *webhook_addr_class_name(enum webhook_addr_class c);

/* True when the service may connect to the address: a public one, or with
 * allow_loopback (a test-only setting) exactly 127.0.0.1. */
bool webhook_addr_allowed(const unsigned char *addr, size_t len, bool allow_loopback);

#endif
