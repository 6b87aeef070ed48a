#!/bin/sh
# Keeps the layering of DEVELOPERS.md: domain includes no library, storage no
# HTTP or JSON library.
set -eu
top=${1:-.}
bad=0
if grep -nE '#include *<(ulfius|jansson|libpq-fe|jwt|microhttpd|openssl/[a-z_]+)\.h>' "$top"/domain/*.c "$top"/domain/*.h; then
	echo "domain/ must not include I/O or third-party libraries" >&2
	bad=1
fi
if grep -nE '#include *<(ulfius|jansson|jwt|microhttpd)\.h>' "$top"/storage/*.c "$top"/storage/*.h; then
	echo "storage/ must not include ulfius, jansson, libjwt or libmicrohttpd" >&2
	bad=1
fi
if grep -nE '#include *"api/' "$top"/domain/* "$top"/storage/*; then
	echo "domain/ and storage/ must not depend on api/" >&2
	bad=1
fi
if grep -nE '#include *"storage/' "$top"/domain/*; then
	echo "domain/ must not depend on storage/" >&2
	bad=1
fi
exit $bad
