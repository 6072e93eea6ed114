#!/bin/sh
# A Sesame cluster on this machine, as docs/deploy.md describes it for many:
# a 3-node NATS JetStream cluster (/usr/sbin/nats-server, or nats-server on
# PATH), the local PostgreSQL (a schema of its own), `sesame migrate` run
# once, 3 `sesame serve` replicas sharing the access-log key and the
# credential KEK, and deploy/lb in front of them.
#
#   deploy/local-cluster.sh          start it, print the URLs, stop it all on Ctrl-C
#                                    (the PostgreSQL schema stays for the next run)
#   deploy/local-cluster.sh check    start it, check it end to end (ingest through the
#                                    load balancer, a replica killed, the stream's 3
#                                    copies), stop it and drop its data; exit 0 on success
#
# Environment: SESAME_CLUSTER_PG (a PostgreSQL server URL; default the local
# one's db test), SESAME_CLUSTER_BASE (first port, default 18080: the load
# balancer; replicas +1..+3, NATS clients +101..+103, routes +201..+203,
# monitoring +301..+303), SESAME_CLUSTER_DIR (data and logs; default a new
# temporary folder), SESAME_OPERATOR_TOKEN (default: a random one, printed).
set -eu
mode=${1:-up}
case $mode in up | check) ;; *) echo "usage: $0 [up|check]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
pg=${SESAME_CLUSTER_PG:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
base=${SESAME_CLUSTER_BASE:-18080}
dir=${SESAME_CLUSTER_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/sesame-cluster.XXXXXX")}
mkdir -p "$dir"
token=${SESAME_OPERATOR_TOKEN:-$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')}
natsd=$(command -v nats-server || echo /usr/sbin/nats-server)
schema=sesame_cluster_$(echo "$base" | tr -dc 0-9)
pids=""

say() { echo "local-cluster: $*" >&2; }
stop() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	pids=""
}
# The schema stays after "up" (the next run finds its data), and goes after
# "check"; a temporary folder goes either way.
cleanup() {
	stop
	[ "$mode" = up ] || psql "$pg" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
	[ -n "${SESAME_CLUSTER_DIR:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# waitfor URL: until it answers 200, for at most 30 s.
waitfor() {
	i=0
	until curl -fsS -o /dev/null "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 150 ]; then say "no answer from $1; logs in $dir"; exit 1; fi
		sleep 0.2
	done
}

say "building sesame and the load balancer into $dir"
go build -o "$dir/sesame" ./cmd/sesame
go build -o "$dir/lb" ./deploy/lb

# NATS: three JetStream servers routed to each other; streams made with
# --nats-replicas 3 keep a copy on each, so one server may go down.
[ -x "$natsd" ] || { say "no nats-server (apt-get install nats-server)"; exit 1; }
routes=""
for i in 1 2 3; do routes="$routes${routes:+,}nats://127.0.0.1:$((base + 200 + i))"; done
natsurls=""
for i in 1 2 3; do
	mkdir -p "$dir/nats$i"
	"$natsd" -js -sd "$dir/nats$i" -n "sesame-nats-$i" -a 127.0.0.1 -p $((base + 100 + i)) -m $((base + 300 + i)) \
		--cluster_name sesame --cluster "nats://127.0.0.1:$((base + 200 + i))" --routes "$routes" \
		>"$dir/nats$i.log" 2>&1 &
	pids="$pids $!"
	natsurls="$natsurls${natsurls:+,}nats://127.0.0.1:$((base + 100 + i))"
done
for i in 1 2 3; do waitfor "http://127.0.0.1:$((base + 300 + i))/healthz?js-enabled-only=true"; done
say "NATS cluster up: $natsurls"

# PostgreSQL: a schema of this cluster's, migrated once before any replica
# starts (replicas never race to migrate, and a failed migration stops the
# rollout before it begins).
psql "$pg" -qc "CREATE SCHEMA IF NOT EXISTS $schema" >/dev/null
case $pg in *\?*) db="$pg&search_path=$schema" ;; *) db="$pg?search_path=$schema" ;; esac
"$dir/sesame" migrate --db "$db"

# What every replica must share: the key signing the access log's heads and
# the credential KEK (docs/portal.md).
# Made here, once, rather than by whichever replica starts first.
[ -f "$dir/credential.kek" ] || (umask 077 && head -c 32 /dev/urandom | base64 >"$dir/credential.kek")
[ -f "$dir/access.key" ] || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/access.key")
backends=""
for i in 1 2 3; do
	port=$((base + i))
	SESAME_DB=$db SESAME_OPERATOR_TOKEN=$token SESAME_NATS=$natsurls SESAME_NATS_REPLICAS=3 \
		SESAME_PUBLIC_URL=http://127.0.0.1:$base \
		"$dir/sesame" serve --addr "127.0.0.1:$port" --metrics-addr "127.0.0.1:$((base + 400 + i))" \
		--access-key "$dir/access.key" --kek-file "$dir/credential.kek" --log-format text \
		>"$dir/replica$i.log" 2>&1 &
	pids="$pids $!"
	eval "replica$i=$!"
	backends="$backends${backends:+,}http://127.0.0.1:$port"
done
for i in 1 2 3; do waitfor "http://127.0.0.1:$((base + i))/readyz"; done
"$dir/lb" -listen "127.0.0.1:$base" -backends "$backends" >"$dir/lb.log" 2>&1 &
pids="$pids $!"
sleep 1.5 # the load balancer's first probes
waitfor "http://127.0.0.1:$base/readyz"

lb=http://127.0.0.1:$base
if [ "$mode" = up ]; then
	cat >&2 <<MSG
local-cluster: up. Load balancer $lb (replicas $backends)
  operator token: $token
  database:       $db
  NATS:           $natsurls (stream SESAME_EVENTS, 3 replicas)
  logs and data:  $dir (removed on exit unless SESAME_CLUSTER_DIR names it; the schema $schema stays)
  try:  curl -s $lb/readyz
        SESAME_DB='$db' $dir/sesame simulate --people 1000 && curl -s -X POST -H 'Authorization: Bearer $token' $lb/v1/operator/rescore
Ctrl-C stops it all.
MSG
	# wait, unlike a foreground sleep, returns at once on Ctrl-C or TERM.
	while :; do
		sleep 3600 &
		pids="$pids $!"
		wait $!
	done
fi

# check: the cluster end to end.
fail() {
	say "check FAILED: $*; logs in $dir"
	SESAME_CLUSTER_DIR=$dir # keep them
	exit 1
}
event() {
	printf '{"source":"bank","id":"%s","person":"p-cluster","kind":"payment.made","occurred_at":"2026-03-01T09:30:00Z","payload":{"amount":{"amount":100,"currency":"CNY"},"merchant_category":"5411","channel":"online"}}\n' "$1"
}
post() { event "$1" | curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/x-ndjson' --data-binary @- "$lb/v1/events"; }
for n in 1 2 3 4 5 6; do
	[ "$(post "e$n")" = 200 ] || fail "POST /v1/events e$n through the load balancer"
done
# Every replica reads what any of them stored: one database.
for i in 1 2 3; do
	got=$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$((base + i))/v1/people/p-cluster/events" | grep -o '"id":"e[0-9]"' | wc -l)
	[ "$got" -eq 6 ] || fail "replica $i reads $got of 6 events"
done
curl -fsS "$lb/readyz" | grep -q '"nats":"ok"' || fail "/readyz does not show NATS ok"
# The stream was made with 3 copies, one per NATS server.
curl -fsS "http://127.0.0.1:$((base + 301))/jsz?accounts=true&streams=true&config=true" | tr -d ' \n' | grep -q '"num_replicas":3' ||
	fail "the SESAME_EVENTS stream does not have 3 replicas"
# A replica dies: the load balancer stops sending to it; nothing is refused.
kill -9 "$replica2"
sleep 1.5
for n in 7 8 9; do
	[ "$(post "e$n")" = 200 ] || fail "POST /v1/events e$n with replica 2 down"
done
say "check passed: 9 events through the load balancer, read back on every replica; NATS stream with 3 replicas; replica 2 killed without a refused request"
