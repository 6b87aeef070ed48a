# Sourced by the bench scripts.

# A token from the server on 127.0.0.1:$2 for the demo client of the
# organisation named $3, found in the `prevex demo-data --clients-file` file $1.
bench_demo_token() {
	local id secret
	read -r id secret < <(python3 -c '
import json, sys
for c in json.load(open(sys.argv[1])):
    if c["org_name"] == sys.argv[2]:
        print(c["client_id"], c["client_secret"])' "$1" "$3")
	curl -fs -u "$id:$secret" -d grant_type=client_credentials "http://127.0.0.1:$2/v1/token" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
