#include "domain/webhook_url.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "domain/parse.h"

static bool host_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static bool ipv6_literal_char_ok(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int webhook_url_parse(const char *url, const char *field, struct webhook_url *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	size_t n = url ? strlen(url) : 0;
	if (n == 0 || n > WEBHOOK_URL_MAX)
		return err_set(err, ERR_INVALID, field, "%s must be an absolute URL of at most %d bytes", field,
			       WEBHOOK_URL_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)url[i];
		/* A backslash is read as a slash by some parsers and not by
		 * others: refusing it leaves no room for a disagreement. */
		if (c <= 0x20 || c >= 0x7f || c == '\\')
			return err_set(err, ERR_INVALID, field,
				       "%s must be plain ASCII without spaces, control characters or backslashes", field);
	}
	if (strchr(url, '#') != NULL)
		return err_set(err, ERR_INVALID, field, "%s must not have a fragment", field);
	const char *p;
	if (strncasecmp(url, "https://", 8) == 0) {
		out->https = true;
		out->port = 443;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		out->port = 80;
		p = url + 7;
	} else {
		return err_set(err, ERR_INVALID, field, "%s must be an https URL", field);
	}
	size_t alen = strcspn(p, "/?");
	if (memchr(p, '@', alen) != NULL)
		return err_set(err, ERR_INVALID, field, "%s must not carry a user name or password", field);
	const char *host = p, *port = NULL;
	size_t hlen;
	if (alen > 0 && p[0] == '[') {
		const char *close = memchr(p, ']', alen);
		if (close == NULL)
			return err_set(err, ERR_INVALID, field, "%s has an unterminated IPv6 address", field);
		host = p + 1;
		hlen = (size_t)(close - host);
		if (close + 1 < p + alen) {
			if (close[1] != ':')
				return err_set(err, ERR_INVALID, field, "%s has a malformed host", field);
			port = close + 2;
		}
		for (size_t i = 0; i < hlen; i++)
			if (!ipv6_literal_char_ok(lower(host[i])))
				return err_set(err, ERR_INVALID, field, "%s has a malformed IPv6 address", field);
	} else {
		const char *colon = memchr(p, ':', alen);
		hlen = colon ? (size_t)(colon - p) : alen;
		if (colon != NULL)
			port = colon + 1;
		for (size_t i = 0; i < hlen; i++)
			if (!host_char_ok(lower(host[i])))
				return err_set(err, ERR_INVALID, field, "%s has a malformed host name", field);
	}
	if (hlen == 0 || hlen > WEBHOOK_HOST_MAX - 1)
		return err_set(err, ERR_INVALID, field, "%s must name a host", field);
	for (size_t i = 0; i < hlen; i++)
		out->host[i] = lower(host[i]);
	out->host[hlen] = '\0';
	if (port != NULL) {
		char digits[8];
		size_t plen = (size_t)(p + alen - port);
		int64_t v;
		if (plen == 0 || plen >= sizeof(digits))
			return err_set(err, ERR_INVALID, field, "%s has a bad port", field);
		memcpy(digits, port, plen);
		digits[plen] = '\0';
		if (parse_i64(digits, 1, 65535, &v) != 0)
			return err_set(err, ERR_INVALID, field, "%s has a bad port", field);
		out->port = (int)v;
	}
	return ERR_OK;
}

/* All digits, or 0x and hex digits: what a resolver reads as a number. */
static bool label_is_numeric(const char *label, size_t len)
{
	bool hex = len >= 2 && label[0] == '0' && label[1] == 'x';
	for (size_t i = hex ? 2 : 0; i < len; i++) {
		char c = label[i];
		if (!((c >= '0' && c <= '9') || (hex && c >= 'a' && c <= 'f')))
			return false;
	}
	return len > 0;
}

static int check_literal(const unsigned char *addr, size_t len, bool allow_loopback, const char *field,
			 struct err *err)
{
	if (webhook_addr_allowed(addr, len, allow_loopback))
		return ERR_OK;
	return err_set_reason(err, ERR_REASON_WEBHOOK_ADDRESS_REFUSED, field, "%s points to a %s address, which webhooks may not reach", field,
		       webhook_addr_class_name(webhook_addr_classify(addr, len)));
}

int webhook_url_check_host(const struct webhook_url *u, bool allow_loopback, const char *field, struct err *err)
{
	const char *host = u->host;
	if (!u->https && !(allow_loopback && strcmp(host, "127.0.0.1") == 0))
		return err_set(err, ERR_INVALID, field, "%s must be an https URL", field);
	unsigned char addr[16];
	if (strchr(host, ':') != NULL) {
		if (inet_pton(AF_INET6, host, addr) != 1)
			return err_set(err, ERR_INVALID, field, "%s has a malformed IPv6 address", field);
		return check_literal(addr, 16, allow_loopback, field, err);
	}
	/* One trailing dot names the same host, fully qualified. */
	size_t n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		n--;
	const char *last = host;
	for (const char *label = host; label < host + n;) {
		const char *dot = memchr(label, '.', (size_t)(host + n - label));
		size_t len = dot ? (size_t)(dot - label) : (size_t)(host + n - label);
		if (len == 0 || len > 63)
			return err_set(err, ERR_INVALID, field, "%s has a malformed host name", field);
		last = label;
		label += len + (dot ? 1 : 0);
		if (dot != NULL && label == host + n)
			return err_set(err, ERR_INVALID, field, "%s has a malformed host name", field);
	}
	if (n == 0)
		return err_set(err, ERR_INVALID, field, "%s must name a host", field);
	if (label_is_numeric(last, (size_t)(host + n - last))) {
		if (n != strlen(host) || inet_pton(AF_INET, host, addr) != 1)
			return err_set(err, ERR_INVALID, field, "%s has a numeric host that is not a dotted-quad IPv4 address",
				       field);
		return check_literal(addr, 4, allow_loopback, field, err);
	}
	if (host + n - last == 7 && strncmp(last, "invalid", 7) == 0)
		return err_set_reason(err, ERR_REASON_WEBHOOK_ADDRESS_REFUSED, field, "the host of %s is under .invalid, which never resolves",
			       field);
	return ERR_OK;
}

static bool in4(const unsigned char *a, unsigned char b0, unsigned char b1, int bits)
{
	unsigned v = (unsigned)a[0] << 24 | (unsigned)a[1] << 16 | (unsigned)a[2] << 8 | a[3];
	unsigned net = (unsigned)b0 << 24 | (unsigned)b1 << 16;
	unsigned mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	return (v & mask) == (net & mask);
}

static enum webhook_addr_class classify4(const unsigned char *a)
{
	if (in4(a, 0, 0, 8))
		return WEBHOOK_ADDR_UNSPECIFIED;
	if (in4(a, 127, 0, 8))
		return WEBHOOK_ADDR_LOOPBACK;
	if (in4(a, 10, 0, 8) || in4(a, 172, 16, 12) || in4(a, 192, 168, 16))
		return WEBHOOK_ADDR_PRIVATE;
	if (in4(a, 169, 254, 16))
		return WEBHOOK_ADDR_LINK_LOCAL;
	if (in4(a, 100, 64, 10))
		return WEBHOOK_ADDR_CGNAT;
	if (in4(a, 224, 0, 4) || (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255))
		return WEBHOOK_ADDR_MULTICAST;
	/* 192.0.0/24 IETF, 192.0.2/24, 198.51.100/24, 203.0.113/24
	 * documentation, 198.18/15 benchmarking, 240/4 future use. */
	if ((a[0] == 192 && a[1] == 0 && (a[2] == 0 || a[2] == 2)) || (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
	    (a[0] == 203 && a[1] == 0 && a[2] == 113) || in4(a, 198, 18, 15) || in4(a, 240, 0, 4))
		return WEBHOOK_ADDR_RESERVED;
	return WEBHOOK_ADDR_PUBLIC;
}

static bool zeros(const unsigned char *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != 0)
			return false;
	return true;
}

static enum webhook_addr_class classify6(const unsigned char *a)
{
	static const unsigned char nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	if (zeros(a, 16))
		return WEBHOOK_ADDR_UNSPECIFIED;
	if (zeros(a, 15) && a[15] == 1)
		return WEBHOOK_ADDR_LOOPBACK;
	/* ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), 64:ff9b::a.b.c.d (NAT64). */
	if (zeros(a, 10) && a[10] == 0xff && a[11] == 0xff)
		return classify4(a + 12);
	if (zeros(a, 12))
		return classify4(a + 12);
	if (memcmp(a, nat64, 12) == 0)
		return classify4(a + 12);
	if (a[0] == 0x20 && a[1] == 0x02) /* 6to4 */
		return classify4(a + 2);
	if (a[0] == 0xff)
		return WEBHOOK_ADDR_MULTICAST;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return WEBHOOK_ADDR_LINK_LOCAL;
	if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0))
		return WEBHOOK_ADDR_PRIVATE;
	/* 2001:db8::/32 documentation, 2001::/23 IETF protocol assignments
	 * (Teredo, ORCHID, benchmarking), 100::/64 discard-only, and anything
	 * outside 2000::/3, the only global unicast space allocated. */
	if ((a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) ||
	    (a[0] == 0x20 && a[1] == 0x01 && a[2] < 0x02) || (a[0] == 0x01 && zeros(a + 1, 7)) ||
	    (a[0] & 0xe0) != 0x20)
		return WEBHOOK_ADDR_RESERVED;
	return WEBHOOK_ADDR_PUBLIC;
}

enum webhook_addr_class webhook_addr_classify(const unsigned char *addr, size_t len)
{
	if (len == 4)
		return classify4(addr);
	if (len == 16)
		return classify6(addr);
	return WEBHOOK_ADDR_RESERVED;
}

const char *webhook_addr_class_name(enum webhook_addr_class c)
{
	switch (c) {
	case WEBHOOK_ADDR_PUBLIC:
		return "public";
	case WEBHOOK_ADDR_LOOPBACK:
		return "loopback";
	case WEBHOOK_ADDR_PRIVATE:
		return "private";
	case WEBHOOK_ADDR_LINK_LOCAL:
		return "link-local";
	case WEBHOOK_ADDR_CGNAT:
		return "carrier-grade NAT";
	case WEBHOOK_ADDR_MULTICAST:
		return "multicast or broadcast";
	case WEBHOOK_ADDR_UNSPECIFIED:
		return "unspecified";
	case WEBHOOK_ADDR_RESERVED:
		return "reserved";
	}
	return "reserved";
}

bool webhook_addr_allowed(const unsigned char *addr, size_t len, bool allow_loopback)
{
	enum webhook_addr_class c = webhook_addr_classify(addr, len);
	if (c == WEBHOOK_ADDR_PUBLIC)
		return true;
	return allow_loopback && len == 4 && addr[0] == 127 && addr[1] == 0 && addr[2] == 0 && addr[3] == 1;
}
