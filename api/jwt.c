#include "api/jwt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

enum {
	KEY_FILE_MAX = 64 * 1024,
	KEYRING_MAX_KEYS = 64,
	RSA_MIN_BITS = 2048,
	EC_P256_COORD_LEN = 32,
	JTI_RANDOM_BYTES = 16,
};

struct jwt_key {
	char kid[JWT_KID_MAX_LEN + 1];
	jwt_alg_t alg;               /* JWT_ALG_ES256 or JWT_ALG_RS256 */
	unsigned char *private_pem;  /* PKCS#8 PEM, cleansed when freed */
	size_t private_len;
	unsigned char *public_pem;   /* SubjectPublicKeyInfo PEM */
	size_t public_len;
	json_t *jwk;                 /* public members only */
};

/* A token verified once, remembered by the SHA-256 of the token, the
 * issuer and the audience it was checked against. Whether a token verifies
 * depends on nothing else but the time, so a hit only checks exp, nbf and iat
 * again: the answer is the one a full verification would give. */
enum { VERIFIED_SLOTS = 1024, VERIFIED_DIGEST_LEN = 32 };

struct verified {
	unsigned char digest[VERIFIED_DIGEST_LEN];
	bool used;
	struct jwt_claims claims;
};

/* Shared by the threads that verify; the keyring only points to it, so
 * that a keyring stays const for its readers. */
struct verified_cache {
	pthread_mutex_t lock;
	struct verified slots[VERIFIED_SLOTS];  /* indexed by the digest's first bytes */
	atomic_size_t hits;
};

struct jwt_keyring {
	struct jwt_key *keys; /* sorted by kid */
	size_t count;
	size_t signing;       /* index into keys */
	struct verified_cache *verified;  /* owned */
};

static void set_reason(char *reason, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_reason(char *reason, size_t len, const char *fmt, ...)
{
	if (reason == NULL || len == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, len, fmt, ap);
	va_end(ap);
}

/* ---- base64url (RFC 7515 §2: no padding) ---- */

static const char b64url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Returns a new NUL-terminated string the caller free()s, or NULL. */
static char *b64url_encode(const unsigned char *in, size_t len)
{
	char *out = malloc(len / 3 * 4 + 5);
	if (out == NULL)
		return NULL;
	size_t o = 0, i = 0;
	for (; i + 2 < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64url_alphabet[v >> 18 & 63];
		out[o++] = b64url_alphabet[v >> 12 & 63];
		out[o++] = b64url_alphabet[v >> 6 & 63];
		out[o++] = b64url_alphabet[v & 63];
	}
	if (len - i == 1) {
		unsigned v = (unsigned)in[i] << 16;
		out[o++] = b64url_alphabet[v >> 18 & 63];
		out[o++] = b64url_alphabet[v >> 12 & 63];
	} else if (len - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		out[o++] = b64url_alphabet[v >> 18 & 63];
		out[o++] = b64url_alphabet[v >> 12 & 63];
		out[o++] = b64url_alphabet[v >> 6 & 63];
	}
	out[o] = '\0';
	return out;
}

/* Strict: the alphabet only, no padding, no length of the form 4n+1, unused
 * trailing bits zero (one encoding per value). On success *out is a new
 * buffer of *out_len bytes, NUL-terminated for convenience, that the caller
 * free()s. */
static int b64url_decode(const char *in, size_t len, unsigned char **out, size_t *out_len)
{
	*out = NULL;
	if (len % 4 == 1)
		return -1;
	unsigned char *buf = malloc(len / 4 * 3 + 3);
	if (buf == NULL)
		return -1;
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64url_value((unsigned char)in[i]);
		if (v < 0) {
			free(buf);
			return -1;
		}
		acc = (acc << 6 | (unsigned)v) & 0xffffu;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)(acc >> bits);
		}
	}
	if ((acc & ((1u << bits) - 1)) != 0) {
		free(buf);
		return -1;
	}
	buf[o] = '\0';
	*out = buf;
	*out_len = o;
	return 0;
}

/* ---- ECDSA's S ---- */

/* ECDSA signatures are malleable: (r, n - s) verifies wherever (r, s)
 * does. Only the low form (s <= n / 2) is issued and accepted, so that a
 * token has one signature only. P-256's order n, and n / 2 rounded down,
 * big-endian. */
enum { ES256_SIG_LEN = 64, ES256_HALF = 32 };

static const unsigned char p256_order[ES256_HALF] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

static const unsigned char p256_half_order[ES256_HALF] = {
	0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
};

static bool es256_s_is_high(const unsigned char s[ES256_HALF])
{
	return memcmp(s, p256_half_order, ES256_HALF) > 0;
}

/* s = n - s, for 0 < s < n. */
static void es256_s_negate(unsigned char s[ES256_HALF])
{
	unsigned borrow = 0;
	for (int i = ES256_HALF - 1; i >= 0; i--) {
		unsigned d = (unsigned)p256_order[i] - s[i] - borrow;
		s[i] = (unsigned char)d;
		borrow = d >> 8 & 1;
	}
}

/* libjwt signs with OpenSSL, which draws either form: the token's
 * signature segment is rewritten in the low one. *token is replaced by a
 * new string (the old one freed) when it changes. */
static int es256_token_low_s(char **token)
{
	char *dot = strrchr(*token, '.');
	if (dot == NULL)
		return -1;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	if (b64url_decode(dot + 1, strlen(dot + 1), &sig, &sig_len) != 0)
		return -1;
	int rc = -1;
	if (sig_len != ES256_SIG_LEN)
		goto done;
	rc = 0;
	if (!es256_s_is_high(sig + ES256_HALF))
		goto done;
	es256_s_negate(sig + ES256_HALF);
	char *seg = b64url_encode(sig, sig_len);
	size_t head = (size_t)(dot + 1 - *token);
	char *out = seg ? malloc(head + strlen(seg) + 1) : NULL;
	if (out == NULL) {
		free(seg);
		rc = -1;
		goto done;
	}
	memcpy(out, *token, head);
	memcpy(out + head, seg, strlen(seg) + 1);
	free(seg);
	free(*token);
	*token = out;
done:
	free(sig);
	return rc;
}

/* ---- keys ---- */

static bool kid_is_valid(const char *kid, size_t len)
{
	if (len == 0 || len > JWT_KID_MAX_LEN || kid[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)kid[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

/* An encrypted key fails to load instead of prompting on the terminal. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

/* Returns a new buffer (NUL-terminated) with the BIO's contents, or NULL. */
static unsigned char *bio_take(BIO *bio, size_t *len)
{
	char *data = NULL;
	long n = BIO_get_mem_data(bio, &data);
	if (n <= 0 || data == NULL)
		return NULL;
	unsigned char *copy = malloc((size_t)n + 1);
	if (copy == NULL)
		return NULL;
	memcpy(copy, data, (size_t)n);
	copy[n] = '\0';
	*len = (size_t)n;
	return copy;
}

static char *bn_to_b64url(const BIGNUM *bn, int pad_to)
{
	int n = pad_to > 0 ? pad_to : BN_num_bytes(bn);
	if (n <= 0 || n > 1024)
		return NULL;
	unsigned char buf[1024];
	if (BN_bn2binpad(bn, buf, n) != n)
		return NULL;
	return b64url_encode(buf, (size_t)n);
}

/* Returns a new reference, or NULL. */
static json_t *key_public_jwk(EVP_PKEY *pkey, jwt_alg_t alg, const char *kid)
{
	BIGNUM *a = NULL, *b = NULL;
	char *sa = NULL, *sb = NULL;
	json_t *jwk = NULL;

	if (alg == JWT_ALG_ES256) {
		if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &a) != 1 ||
		    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &b) != 1)
			goto done;
		sa = bn_to_b64url(a, EC_P256_COORD_LEN);
		sb = bn_to_b64url(b, EC_P256_COORD_LEN);
		if (sa == NULL || sb == NULL)
			goto done;
		jwk = json_pack("{ssssssssssssss}", "kty", "EC", "crv", "P-256",
				"x", sa, "y", sb, "kid", kid, "alg", "ES256", "use", "sig");
	} else {
		if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &a) != 1 ||
		    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &b) != 1)
			goto done;
		sa = bn_to_b64url(a, 0);
		sb = bn_to_b64url(b, 0);
		if (sa == NULL || sb == NULL)
			goto done;
		jwk = json_pack("{ssssssssssss}", "kty", "RSA", "n", sa, "e", sb,
				"kid", kid, "alg", "RS256", "use", "sig");
	}
done:
	BN_free(a);
	BN_free(b);
	free(sa);
	free(sb);
	return jwk;
}

static void key_clear(struct jwt_key *key)
{
	if (key->private_pem != NULL)
		OPENSSL_cleanse(key->private_pem, key->private_len);
	free(key->private_pem);
	free(key->public_pem);
	json_decref(key->jwk);
	memset(key, 0, sizeof(*key));
}

/* Reads a whole regular file of at most KEY_FILE_MAX bytes. On success *out
 * is a new buffer the caller cleanses and free()s. */
static int read_key_file(const char *path, unsigned char **out, size_t *out_len,
			 struct err *err)
{
	int fd = -1, rc = ERR_INVALID;
	unsigned char *buf = NULL;
	size_t len = 0;
	struct stat st;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_set(err, ERR_INVALID, "", "cannot open %s: %s", path, strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err_set(err, ERR_INVALID, "", "%s is not a regular file", path);
		goto done;
	}
	if (st.st_size <= 0 || st.st_size > KEY_FILE_MAX) {
		err_set(err, ERR_INVALID, "", "%s: size %lld out of range", path,
			(long long)st.st_size);
		goto done;
	}
	buf = malloc((size_t)st.st_size);
	if (buf == NULL) {
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		goto done;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_set(err, ERR_INVALID, "", "cannot read %s", path);
			goto done;
		}
		len += (size_t)n;
	}
	*out = buf;
	*out_len = len;
	buf = NULL;
	rc = ERR_OK;
done:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, (size_t)st.st_size);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int key_load(struct jwt_key *key, const char *path, const char *kid, struct err *err)
{
	unsigned char *file = NULL;
	size_t file_len = 0;
	BIO *in = NULL, *priv = NULL, *pub = NULL;
	EVP_PKEY *pkey = NULL;
	int rc;

	memset(key, 0, sizeof(*key));
	rc = read_key_file(path, &file, &file_len, err);
	if (rc != ERR_OK)
		goto done;
	rc = ERR_INVALID;
	in = BIO_new_mem_buf(file, (int)file_len);
	if (in == NULL) {
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		goto done;
	}
	pkey = PEM_read_bio_PrivateKey(in, NULL, no_password, NULL);
	if (pkey == NULL) {
		err_set(err, ERR_INVALID, "", "%s: not an unencrypted PEM private key", path);
		goto done;
	}
	if (EVP_PKEY_is_a(pkey, "EC")) {
		char group[64] = "";
		if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
						   sizeof(group), NULL) != 1 ||
		    (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0)) {
			err_set(err, ERR_INVALID, "", "%s: EC key on %s, only P-256 is accepted",
				path, group[0] ? group : "an unknown curve");
			goto done;
		}
		key->alg = JWT_ALG_ES256;
	} else if (EVP_PKEY_is_a(pkey, "RSA")) {
		if (EVP_PKEY_get_bits(pkey) < RSA_MIN_BITS) {
			err_set(err, ERR_INVALID, "", "%s: RSA key of %d bits, at least %d needed",
				path, EVP_PKEY_get_bits(pkey), RSA_MIN_BITS);
			goto done;
		}
		key->alg = JWT_ALG_RS256;
	} else {
		err_set(err, ERR_INVALID, "", "%s: only EC P-256 and RSA keys are accepted", path);
		goto done;
	}

	/* Re-encoded so that libjwt always gets one canonical PEM block. */
	priv = BIO_new(BIO_s_secmem());
	pub = BIO_new(BIO_s_mem());
	if (priv == NULL || pub == NULL ||
	    PEM_write_bio_PrivateKey(priv, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_PUBKEY(pub, pkey) != 1) {
		rc = err_set(err, ERR_INTERNAL, "", "%s: cannot encode the key", path);
		goto done;
	}
	key->private_pem = bio_take(priv, &key->private_len);
	key->public_pem = bio_take(pub, &key->public_len);
	snprintf(key->kid, sizeof(key->kid), "%s", kid);
	key->jwk = key_public_jwk(pkey, key->alg, key->kid);
	if (key->private_pem == NULL || key->public_pem == NULL || key->jwk == NULL ||
	    key->private_len > INT_MAX || key->public_len > INT_MAX) {
		rc = err_set(err, ERR_INTERNAL, "", "%s: cannot encode the key", path);
		goto done;
	}
	rc = ERR_OK;
done:
	if (rc != ERR_OK)
		key_clear(key);
	if (file != NULL) {
		OPENSSL_cleanse(file, file_len);
		free(file);
	}
	BIO_free(in);
	BIO_free(priv);
	BIO_free(pub);
	EVP_PKEY_free(pkey);
	return rc;
}

static int key_compare(const void *a, const void *b)
{
	return strcmp(((const struct jwt_key *)a)->kid, ((const struct jwt_key *)b)->kid);
}

/* Returns a new, empty cache (free with verified_cache_free), NULL when out
 * of memory. */
static struct verified_cache *verified_cache_new(void)
{
	struct verified_cache *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return NULL;
	}
	atomic_init(&c->hits, 0);
	return c;
}

static void verified_cache_free(struct verified_cache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->lock);
	OPENSSL_cleanse(c->slots, sizeof(c->slots));
	free(c);
}

/* The cache key of a token checked against issuer and audience. */
static bool verified_digest(unsigned char out[VERIFIED_DIGEST_LEN], const char *token, size_t len,
			    const struct jwt_verify_opts *opts)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 0;
	bool ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
		  EVP_DigestUpdate(md, token, len) == 1 &&
		  EVP_DigestUpdate(md, "", 1) == 1 &&
		  EVP_DigestUpdate(md, opts->issuer, strlen(opts->issuer) + 1) == 1 &&
		  EVP_DigestUpdate(md, opts->audience, strlen(opts->audience) + 1) == 1 &&
		  EVP_DigestFinal_ex(md, out, &n) == 1 && n == VERIFIED_DIGEST_LEN;
	EVP_MD_CTX_free(md);
	return ok;
}

static size_t verified_slot(const unsigned char digest[VERIFIED_DIGEST_LEN])
{
	return (((size_t)digest[0] << 8) | digest[1]) % VERIFIED_SLOTS;
}

/* Copies the claims remembered for digest into *out; false when none. */
static bool verified_find(struct verified_cache *c, const unsigned char digest[VERIFIED_DIGEST_LEN],
			  struct jwt_claims *out)
{
	const struct verified *v = &c->slots[verified_slot(digest)];
	bool hit = false;
	pthread_mutex_lock(&c->lock);
	if (v->used && CRYPTO_memcmp(v->digest, digest, VERIFIED_DIGEST_LEN) == 0) {
		*out = v->claims;
		hit = true;
	}
	pthread_mutex_unlock(&c->lock);
	if (hit)
		atomic_fetch_add(&c->hits, 1);
	return hit;
}

/* Remembers claims under digest, in place of whatever had its slot. */
static void verified_keep(struct verified_cache *c, const unsigned char digest[VERIFIED_DIGEST_LEN],
			  const struct jwt_claims *claims)
{
	struct verified *v = &c->slots[verified_slot(digest)];
	pthread_mutex_lock(&c->lock);
	memcpy(v->digest, digest, VERIFIED_DIGEST_LEN);
	v->claims = *claims;
	v->used = true;
	pthread_mutex_unlock(&c->lock);
}

int jwt_keyring_load(struct jwt_keyring **out, const char *dir, struct err *err)
{
	struct jwt_keyring *ring = NULL;
	DIR *d = NULL;
	int rc = ERR_INVALID;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0')
		return err_set(err, ERR_INVALID, "", "no key folder given");
	ring = calloc(1, sizeof(*ring));
	if (ring == NULL) {
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		goto done;
	}
	ring->keys = calloc(KEYRING_MAX_KEYS, sizeof(*ring->keys));
	if (ring->keys == NULL) {
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		goto done;
	}
	ring->verified = verified_cache_new();
	if (ring->verified == NULL) {
		rc = err_set(err, ERR_INTERNAL, "", "out of memory");
		goto done;
	}
	d = opendir(dir);
	if (d == NULL) {
		err_set(err, ERR_INVALID, "", "cannot open key folder %s: %s", dir, strerror(errno));
		goto done;
	}
	const struct dirent *de;
	while ((errno = 0, de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n < 5 || strcmp(de->d_name + n - 4, ".pem") != 0)
			continue;
		if (!kid_is_valid(de->d_name, n - 4)) {
			err_set(err, ERR_INVALID, "", "%s/%s: a kid is 1 to %d of A-Z a-z 0-9 . _ -",
				dir, de->d_name, JWT_KID_MAX_LEN);
			goto done;
		}
		if (ring->count == KEYRING_MAX_KEYS) {
			err_set(err, ERR_INVALID, "", "%s: more than %d keys", dir, KEYRING_MAX_KEYS);
			goto done;
		}
		char path[PATH_MAX];
		char kid[JWT_KID_MAX_LEN + 1];
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path)) {
			err_set(err, ERR_INVALID, "", "%s: path too long", dir);
			goto done;
		}
		memcpy(kid, de->d_name, n - 4);
		kid[n - 4] = '\0';
		rc = key_load(&ring->keys[ring->count], path, kid, err);
		if (rc != ERR_OK)
			goto done;
		ring->count++;
		rc = ERR_INVALID;
	}
	if (errno != 0) {
		rc = err_set(err, ERR_INTERNAL, "", "cannot list %s: %s", dir, strerror(errno));
		goto done;
	}
	if (ring->count == 0) {
		err_set(err, ERR_INVALID, "", "no <kid>.pem key in %s (prevex keys generate makes one)",
			dir);
		goto done;
	}
	qsort(ring->keys, ring->count, sizeof(*ring->keys), key_compare);
	ring->signing = ring->count - 1;
	*out = ring;
	ring = NULL;
	rc = ERR_OK;
done:
	if (d != NULL)
		closedir(d);
	jwt_keyring_free(ring);
	return rc;
}

void jwt_keyring_free(struct jwt_keyring *ring)
{
	if (ring == NULL)
		return;
	if (ring->keys != NULL) {
		for (size_t i = 0; i < ring->count; i++)
			key_clear(&ring->keys[i]);
	}
	free(ring->keys);
	verified_cache_free(ring->verified);
	free(ring);
}

size_t jwt_keyring_verified_hits(const struct jwt_keyring *ring)
{
	return ring->verified != NULL ? atomic_load(&ring->verified->hits) : 0;
}

static const struct jwt_key *keyring_find(const struct jwt_keyring *ring, const char *kid)
{
	for (size_t i = 0; i < ring->count; i++) {
		if (strcmp(ring->keys[i].kid, kid) == 0)
			return &ring->keys[i];
	}
	return NULL;
}

int jwt_keyring_set_signing_kid(struct jwt_keyring *ring, const char *kid, struct err *err)
{
	if (ring == NULL || kid == NULL)
		return err_set(err, ERR_NOT_FOUND, "kid", "no such key");
	const struct jwt_key *key = keyring_find(ring, kid);
	if (key == NULL)
		return err_set(err, ERR_NOT_FOUND, "kid", "no key %.63s in the keyring", kid);
	ring->signing = (size_t)(key - ring->keys);
	return ERR_OK;
}

const char *jwt_keyring_signing_kid(const struct jwt_keyring *ring)
{
	if (ring == NULL || ring->count == 0)
		return "";
	return ring->keys[ring->signing].kid;
}

size_t jwt_keyring_count(const struct jwt_keyring *ring)
{
	return ring == NULL ? 0 : ring->count;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int jwt_keyring_generate_key(const char *dir, const char *kid, struct err *err)
{
	EVP_PKEY *pkey = NULL;
	BIO *mem = NULL;
	int fd = -1, dirfd = -1, rc = ERR_INTERNAL;
	bool tmp_exists = false;
	char final_path[PATH_MAX], tmp_path[PATH_MAX];

	if (dir == NULL || dir[0] == '\0')
		return err_set(err, ERR_INVALID, "dir", "no key folder given");
	if (kid == NULL || !kid_is_valid(kid, strlen(kid)))
		return err_set(err, ERR_INVALID, "kid", "a kid is 1 to %d of A-Z a-z 0-9 . _ -",
			       JWT_KID_MAX_LEN);
	if (snprintf(final_path, sizeof(final_path), "%s/%s.pem", dir, kid) >=
		    (int)sizeof(final_path) ||
	    snprintf(tmp_path, sizeof(tmp_path), "%s/.%s.pem.XXXXXX", dir, kid) >=
		    (int)sizeof(tmp_path))
		return err_set(err, ERR_INVALID, "dir", "path too long");

	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	mem = BIO_new(BIO_s_secmem());
	if (pkey == NULL || mem == NULL ||
	    PEM_write_bio_PrivateKey(mem, pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		err_set(err, ERR_INTERNAL, "", "cannot generate an EC P-256 key");
		goto done;
	}
	char *pem = NULL;
	long pem_len = BIO_get_mem_data(mem, &pem);
	if (pem_len <= 0 || pem == NULL) {
		err_set(err, ERR_INTERNAL, "", "cannot encode the key");
		goto done;
	}
	fd = mkostemp(tmp_path, O_CLOEXEC);
	if (fd < 0) {
		err_set(err, ERR_INTERNAL, "", "cannot create a file in %s: %s", dir, strerror(errno));
		goto done;
	}
	tmp_exists = true;
	if (fchmod(fd, 0600) != 0 || write_all(fd, pem, (size_t)pem_len) != 0 || fsync(fd) != 0) {
		err_set(err, ERR_INTERNAL, "", "cannot write %s: %s", tmp_path, strerror(errno));
		goto done;
	}
	if (close(fd) != 0) {
		fd = -1;
		err_set(err, ERR_INTERNAL, "", "cannot write %s: %s", tmp_path, strerror(errno));
		goto done;
	}
	fd = -1;
	/* link() never replaces an existing key, unlike rename(). */
	if (link(tmp_path, final_path) != 0) {
		if (errno == EEXIST)
			rc = err_set_reason(err, ERR_REASON_ALREADY_EXISTS, "kid", "%s already exists", final_path);
		else
			err_set(err, ERR_INTERNAL, "", "cannot create %s: %s", final_path,
				strerror(errno));
		goto done;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd >= 0)
		(void)fsync(dirfd);
	rc = ERR_OK;
done:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	if (tmp_exists)
		unlink(tmp_path);
	BIO_free(mem);
	EVP_PKEY_free(pkey);
	return rc;
}

json_t *jwt_keyring_jwks(const struct jwt_keyring *ring)
{
	json_t *keys = json_array();
	if (keys == NULL)
		return NULL;
	for (size_t i = 0; ring != NULL && i < ring->count; i++) {
		if (json_array_append_new(keys, json_deep_copy(ring->keys[i].jwk)) != 0) {
			json_decref(keys);
			return NULL;
		}
	}
	return json_pack("{so}", "keys", keys);
}

/* ---- tokens ---- */

static bool claim_fits(const char *s, size_t size, bool allow_empty)
{
	size_t n = strnlen(s, size);
	return n < size && (allow_empty || n > 0);
}

static int random_jti(char *out, size_t size)
{
	unsigned char raw[JTI_RANDOM_BYTES];
	if (size < 2 * JTI_RANDOM_BYTES + 1 || RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

int jwt_token_issue(char **out, const struct jwt_keyring *ring,
		    const struct jwt_claims *c, struct err *err)
{
	jwt_t *jwt = NULL;
	char *token = NULL;
	char jti[sizeof(c->jti)];
	int rc = ERR_INTERNAL;

	*out = NULL;
	if (ring == NULL || ring->count == 0)
		return err_set(err, ERR_INTERNAL, "", "no signing key");
	if (!claim_fits(c->iss, sizeof(c->iss), false) || !claim_fits(c->aud, sizeof(c->aud), false) ||
	    !claim_fits(c->sub, sizeof(c->sub), false) || !claim_fits(c->org, sizeof(c->org), false) ||
	    !claim_fits(c->kind, sizeof(c->kind), false) ||
	    !claim_fits(c->scope, sizeof(c->scope), true) || !claim_fits(c->jti, sizeof(c->jti), true))
		return err_set(err, ERR_INVALID, "claims", "iss, aud, sub, org and kind are required");
	int64_t nbf = c->nbf != 0 ? c->nbf : c->iat;
	if (c->iat <= 0 || c->exp <= c->iat || nbf > c->exp || c->exp > LONG_MAX)
		return err_set(err, ERR_INVALID, "exp", "exp must come after iat and nbf");
	if (c->jti[0] != '\0')
		memcpy(jti, c->jti, sizeof(jti));
	else if (random_jti(jti, sizeof(jti)) != 0)
		return err_set(err, ERR_INTERNAL, "", "no randomness for the jti");

	const struct jwt_key *key = &ring->keys[ring->signing];
	if (jwt_new(&jwt) != 0 || jwt_add_header(jwt, "kid", key->kid) != 0 ||
	    jwt_add_grant(jwt, "iss", c->iss) != 0 || jwt_add_grant(jwt, "aud", c->aud) != 0 ||
	    jwt_add_grant(jwt, "sub", c->sub) != 0 || jwt_add_grant(jwt, "org", c->org) != 0 ||
	    jwt_add_grant(jwt, "kind", c->kind) != 0 || jwt_add_grant(jwt, "scope", c->scope) != 0 ||
	    jwt_add_grant(jwt, "jti", jti) != 0 || jwt_add_grant_int(jwt, "iat", (long)c->iat) != 0 ||
	    jwt_add_grant_int(jwt, "nbf", (long)nbf) != 0 ||
	    jwt_add_grant_int(jwt, "exp", (long)c->exp) != 0) {
		err_set(err, ERR_INTERNAL, "", "cannot build the token");
		goto done;
	}
	if (jwt_set_alg(jwt, key->alg, key->private_pem, (int)key->private_len) != 0) {
		err_set(err, ERR_INTERNAL, "", "key %s refused by libjwt", key->kid);
		goto done;
	}
	token = jwt_encode_str(jwt);
	if (token == NULL) {
		err_set(err, ERR_INTERNAL, "", "cannot sign the token with key %s", key->kid);
		goto done;
	}
	if (key->alg == JWT_ALG_ES256 && es256_token_low_s(&token) != 0) {
		err_set(err, ERR_INTERNAL, "", "key %s made an ES256 signature of the wrong shape", key->kid);
		goto done;
	}
	if (strlen(token) > JWT_TOKEN_MAX_LEN) {
		err_set(err, ERR_INVALID, "scope", "token longer than %d bytes", JWT_TOKEN_MAX_LEN);
		goto done;
	}
	*out = token;
	token = NULL;
	rc = ERR_OK;
done:
	free(token);
	jwt_free(jwt);
	return rc;
}

/* A JSON string without an embedded NUL, or NULL. Borrowed from obj. */
static const char *json_plain_string(const json_t *obj, const char *name)
{
	const json_t *v = json_object_get(obj, name);
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/* Decodes one segment into a JSON object, refusing duplicate members so that
 * libjwt (which keeps the last one) and we read the same claims.
 * Returns a new reference or NULL. */
static json_t *segment_object(const char *seg, size_t len)
{
	unsigned char *raw = NULL;
	size_t raw_len = 0;
	if (b64url_decode(seg, len, &raw, &raw_len) != 0)
		return NULL;
	json_error_t jerr;
	json_t *obj = json_loadb((const char *)raw, raw_len, JSON_REJECT_DUPLICATES, &jerr);
	free(raw);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static int claim_copy(jwt_t *jwt, const char *name, char *dst, size_t size, bool allow_empty,
		      char *reason, size_t reason_len)
{
	const char *v = jwt_get_grant(jwt, name);
	if (v == NULL) {
		set_reason(reason, reason_len, "%s missing or not a string", name);
		return -1;
	}
	if (!allow_empty && v[0] == '\0') {
		set_reason(reason, reason_len, "%s empty", name);
		return -1;
	}
	if (strlen(v) >= size) {
		set_reason(reason, reason_len, "%s longer than %zu bytes", name, size - 1);
		return -1;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* Returns 1 when present (value in *out), 0 when absent, -1 when not an
 * integer. payload is our own parse of the same bytes, which tells a
 * missing claim from one of another type. */
static int claim_time(jwt_t *jwt, const json_t *payload, const char *name, int64_t *out)
{
	const json_t *v = json_object_get(payload, name);
	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return -1;
	errno = 0;
	long t = jwt_get_grant_int(jwt, name);
	if (errno == ENOENT)
		return 0;
	if (errno != 0)
		return -1;
	*out = t;
	return 1;
}

static bool aud_matches(jwt_t *jwt, const char *expected)
{
	char *text = jwt_get_grants_json(jwt, "aud");
	if (text == NULL)
		return false;
	json_error_t jerr;
	json_t *aud = json_loads(text, JSON_DECODE_ANY, &jerr);
	free(text);
	bool ok = false;
	if (json_is_string(aud)) {
		ok = strcmp(json_string_value(aud), expected) == 0;
	} else if (json_is_array(aud)) {
		size_t i;
		json_t *item;
		json_array_foreach(aud, i, item) {
			if (json_is_string(item) && strcmp(json_string_value(item), expected) == 0)
				ok = true;
		}
	}
	json_decref(aud);
	return ok;
}

/* exp still ahead of opts->now, iat and nbf not beyond it by more than the
 * tolerated skew; otherwise false, with the reason. */
static bool claims_timely(const struct jwt_claims *c, const struct jwt_verify_opts *opts, char *reason,
			  size_t reason_len)
{
	int64_t now = (int64_t)opts->now;
	int64_t skew = opts->max_skew_s > 0 ? opts->max_skew_s : 0;
	if (c->exp <= now) {
		set_reason(reason, reason_len, "expired: exp %lld, now %lld", (long long)c->exp, (long long)now);
		return false;
	}
	if (c->iat > now && c->iat - now > skew) {
		set_reason(reason, reason_len, "iat %lld in the future (now %lld)", (long long)c->iat,
			   (long long)now);
		return false;
	}
	if (c->nbf > now && c->nbf - now > skew) {
		set_reason(reason, reason_len, "not valid before %lld (now %lld)", (long long)c->nbf,
			   (long long)now);
		return false;
	}
	return true;
}

int jwt_token_verify(struct jwt_claims *out, const struct jwt_keyring *ring,
		     const char *token, const struct jwt_verify_opts *opts,
		     char *reason, size_t reason_len)
{
	json_t *header = NULL, *payload = NULL;
	jwt_t *jwt = NULL;
	struct jwt_claims c;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	set_reason(reason, reason_len, "%s", "");
	if (out == NULL || ring == NULL || ring->count == 0 || opts == NULL ||
	    opts->issuer == NULL || opts->audience == NULL) {
		set_reason(reason, reason_len, "verifier not configured");
		goto done;
	}
	memset(out, 0, sizeof(*out));
	if (token == NULL) {
		set_reason(reason, reason_len, "no token");
		goto done;
	}
	size_t len = strnlen(token, JWT_TOKEN_MAX_LEN + 1);
	if (len == 0) {
		set_reason(reason, reason_len, "empty token");
		goto done;
	}
	if (len > JWT_TOKEN_MAX_LEN) {
		set_reason(reason, reason_len, "token larger than %d bytes", JWT_TOKEN_MAX_LEN);
		goto done;
	}

	/* A token verified before: only the time may have changed its answer. */
	unsigned char digest[VERIFIED_DIGEST_LEN];
	bool keyed = verified_digest(digest, token, len, opts);
	if (keyed && verified_find(ring->verified, digest, &c)) {
		if (!claims_timely(&c, opts, reason, reason_len))
			goto done;
		*out = c;
		rc = 0;
		goto done;
	}

	/* Three segments of the base64url alphabet; the signature may be empty
	 * here only so that alg "none" gets its own reason below. */
	const char *dot1 = memchr(token, '.', len);
	const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
	if (dot2 == NULL || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) != NULL) {
		set_reason(reason, reason_len, "not three dot-separated segments");
		goto done;
	}
	for (size_t i = 0; i < len; i++) {
		if (token[i] != '.' && b64url_value((unsigned char)token[i]) < 0) {
			set_reason(reason, reason_len, "byte %zu outside the base64url alphabet", i);
			goto done;
		}
	}
	size_t header_len = (size_t)(dot1 - token);
	size_t payload_len = (size_t)(dot2 - dot1 - 1);
	size_t sig_len = len - (size_t)(dot2 + 1 - token);
	if (header_len == 0 || payload_len == 0) {
		set_reason(reason, reason_len, "empty header or payload segment");
		goto done;
	}

	header = segment_object(token, header_len);
	if (header == NULL) {
		set_reason(reason, reason_len, "header is not a base64url JSON object");
		goto done;
	}
	const char *alg = json_plain_string(header, "alg");
	if (alg == NULL) {
		set_reason(reason, reason_len, "alg missing or not a string");
		goto done;
	}
	if (strcasecmp(alg, "none") == 0) {
		set_reason(reason, reason_len, "alg none refused");
		goto done;
	}
	if (json_object_get(header, "crit") != NULL) {
		set_reason(reason, reason_len, "crit header refused");
		goto done;
	}
	/* The key comes from our keyring by kid, never from jku, x5u, jwk or x5c. */
	const char *kid = json_plain_string(header, "kid");
	if (kid == NULL) {
		set_reason(reason, reason_len, "kid missing or not a string");
		goto done;
	}
	const struct jwt_key *key = keyring_find(ring, kid);
	if (key == NULL) {
		set_reason(reason, reason_len, "unknown kid %.63s", kid);
		goto done;
	}
	if (strcmp(alg, jwt_alg_str(key->alg)) != 0) {
		set_reason(reason, reason_len, "alg %.16s does not match key %s (%s)", alg, key->kid,
			   jwt_alg_str(key->alg));
		goto done;
	}
	if (sig_len == 0) {
		set_reason(reason, reason_len, "empty signature");
		goto done;
	}
	if (key->alg == JWT_ALG_ES256) {
		unsigned char *sig = NULL;
		size_t raw_len = 0;
		bool high = false;
		if (b64url_decode(dot2 + 1, sig_len, &sig, &raw_len) == 0 && raw_len == ES256_SIG_LEN)
			high = es256_s_is_high(sig + ES256_HALF);
		free(sig);
		if (raw_len != ES256_SIG_LEN) {
			set_reason(reason, reason_len, "signature check failed with key %s (not %d bytes)", key->kid,
				   ES256_SIG_LEN);
			goto done;
		}
		if (high) {
			set_reason(reason, reason_len, "ES256 signature with a high S (the malleable form) refused");
			goto done;
		}
	}
	payload = segment_object(dot1 + 1, payload_len);
	if (payload == NULL) {
		set_reason(reason, reason_len, "payload is not a base64url JSON object");
		goto done;
	}

	int jrc = jwt_decode(&jwt, token, key->public_pem, (int)key->public_len);
	if (jrc != 0 || jwt == NULL) {
		set_reason(reason, reason_len, "signature check failed with key %s (%s)", key->kid,
			   strerror(jrc != 0 ? jrc : EINVAL));
		goto done;
	}
	if (jwt_get_alg(jwt) != key->alg) {
		set_reason(reason, reason_len, "libjwt decoded %s, expected %s",
			   jwt_alg_str(jwt_get_alg(jwt)), jwt_alg_str(key->alg));
		goto done;
	}

	int present = claim_time(jwt, payload, "exp", &c.exp);
	if (present != 1) {
		set_reason(reason, reason_len, present == 0 ? "exp missing" : "exp not an integer");
		goto done;
	}
	present = claim_time(jwt, payload, "iat", &c.iat);
	if (present != 1) {
		set_reason(reason, reason_len, present == 0 ? "iat missing" : "iat not an integer");
		goto done;
	}
	present = claim_time(jwt, payload, "nbf", &c.nbf);
	if (present < 0) {
		set_reason(reason, reason_len, "nbf not an integer");
		goto done;
	}
	if (present == 0)
		c.nbf = c.iat;
	if (!claims_timely(&c, opts, reason, reason_len))
		goto done;

	if (claim_copy(jwt, "iss", c.iss, sizeof(c.iss), false, reason, reason_len) != 0)
		goto done;
	if (strcmp(c.iss, opts->issuer) != 0) {
		set_reason(reason, reason_len, "wrong iss");
		goto done;
	}
	if (!aud_matches(jwt, opts->audience)) {
		set_reason(reason, reason_len, "aud missing or not ours");
		goto done;
	}
	snprintf(c.aud, sizeof(c.aud), "%s", opts->audience);
	if (claim_copy(jwt, "sub", c.sub, sizeof(c.sub), false, reason, reason_len) != 0 ||
	    claim_copy(jwt, "org", c.org, sizeof(c.org), false, reason, reason_len) != 0 ||
	    claim_copy(jwt, "kind", c.kind, sizeof(c.kind), false, reason, reason_len) != 0 ||
	    claim_copy(jwt, "scope", c.scope, sizeof(c.scope), true, reason, reason_len) != 0 ||
	    claim_copy(jwt, "jti", c.jti, sizeof(c.jti), false, reason, reason_len) != 0)
		goto done;

	if (keyed)
		verified_keep(ring->verified, digest, &c);
	*out = c;
	rc = 0;
done:
	jwt_free(jwt);
	json_decref(header);
	json_decref(payload);
	return rc;
}
