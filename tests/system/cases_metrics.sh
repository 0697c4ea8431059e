# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Prometheus /metrics (docs/metrics.md), sourced by run.sh: the exposition
# passes Prometheus's own promtool, and a real Prometheus server scraping the
# proxy while RTP flows answers its queries with the counts and the rate of
# the packets sent.

METRICS_HTTP_YAML='http:
  listen: 127.0.0.1:8080
  session_series: 100'

# http_get NS URL OUT: the body into OUT, the status into HTTP_STATUS.
http_get() {
	local ns=$1 url=$2 out=$3
	HTTP_STATUS=$(in_ns "$ns" "$PYTHON" - "$url" "$out" 2>>"$RTPP_DIR/http.err" <<'PY'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=5)
    body, status = r.read(), r.status
except urllib.error.HTTPError as e:
    body, status = e.read(), e.code
except Exception as e:
    body, status = str(e).encode(), 0
open(sys.argv[2], "wb").write(body)
print(status)
PY
	)
}

# prom_query EXPR [TIME]: the first sample's value of an instant query ("" when none).
prom_query() {
	in_ns "$NS_PX" "$PYTHON" - "$1" "${2:-}" <<'PY'
import json, sys, urllib.parse, urllib.request
q = {"query": sys.argv[1]}
if sys.argv[2]:
    q["time"] = sys.argv[2]
url = "http://127.0.0.1:9090/api/v1/query?" + urllib.parse.urlencode(q)
try:
    d = json.load(urllib.request.urlopen(url, timeout=5))
except Exception as e:
    print("error: %s" % e); sys.exit(0)
r = d.get("data", {}).get("result", [])
print(r[0]["value"][1] if r else "")
PY
}

case_metrics_prometheus() {
	command -v prometheus >/dev/null && command -v promtool >/dev/null ||
		fail "prometheus/promtool are not installed (usertools/setup installs Debian's prometheus)"
	PROXY_API_YAML=$METRICS_HTTP_YAML case_start "$SESSION_V4" "$B_V4"

	# The exposition itself: promtool's parser and lint (names, types, HELP).
	http_get "$NS_PX" "http://127.0.0.1:8080/metrics?sessions=1" "$RTPP_DIR/metrics.txt"
	[[ $HTTP_STATUS == 200 ]] || fail "GET /metrics: status ${HTTP_STATUS:-none}: $(head -c 300 "$RTPP_DIR/metrics.txt")"
	promtool check metrics <"$RTPP_DIR/metrics.txt" >"$RTPP_DIR/promtool.out" 2>&1 ||
		fail "promtool check metrics: $(head -n 5 "$RTPP_DIR/promtool.out")"
	grep -q '^rtpproxy_sessions{state="active"} ' "$RTPP_DIR/metrics.txt" ||
		fail "no rtpproxy_sessions{state=\"active\"} in /metrics"
	# Every family shown is documented (docs/metrics.md, "| `NAME` |").
	local name undocumented=""
	for name in $(awk '$1 == "#" && $2 == "TYPE" {print $3}' "$RTPP_DIR/metrics.txt"); do
		grep -qF -- "| \`$name\` |" "$RTPP_SRC_ROOT/docs/metrics.md" || undocumented+=" $name"
	done
	[[ -z $undocumented ]] || fail "families missing from docs/metrics.md:$undocumented"

	# A real server scraping every second.
	mkdir -p "$RTPP_DIR/prom"
	cat >"$RTPP_DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: rtpproxy
    metrics_path: /metrics
    params:
      sessions: ["1"]
    static_configs:
      - targets: ["127.0.0.1:8080"]
EOF
	in_ns "$NS_PX" prometheus --config.file="$RTPP_DIR/prometheus.yml" \
		--storage.tsdb.path="$RTPP_DIR/prom" --web.listen-address=127.0.0.1:9090 \
		>"$RTPP_DIR/prometheus.log" 2>&1 &
	local prom=$! i up=""
	echo "$prom" >>"$RTPP_DIR/pids"
	for ((i = 0; i < 100; i++)); do
		up=$(prom_query 'up{job="rtpproxy"}')
		[[ $up == 1 ]] && break
		rtpp_pid_alive "$prom" || break
		sleep 0.2
	done
	[[ $up == 1 ]] || {
		kill "$prom" 2>/dev/null
		fail "Prometheus did not scrape the proxy (up=${up:-none}): $(tail -n 3 "$RTPP_DIR/prometheus.log")"
	}

	# 3000 packets at 500/s: 6 s of RTP, scraped every second.
	local p t_mid rate count rx tx active
	rtpp_recv_start "$NS_B" rtp --bind $B_V4:40000 --count 3000 --timeout 20 --idle-timeout 3 ||
		fail "receiver"
	p=$RECV_PID
	sender rtp "$NS_A" --dst $PX_A_V4:20000 --src $A_V4:50000 --count 3000 --rate 500 --timeout 15 &
	local s=$!
	sleep 4
	t_mid=$(date +%s.%N)
	rtpp_wait_pid $s 20
	sender_ok rtp
	wait_recv rtp "$p" 20
	sleep 3 # two more scrapes after the last packet

	count=$(prom_query 'rtpproxy_session_rx_packets_total{name="t-v4",flow="a_to_b"}')
	tx=$(prom_query 'rtpproxy_session_tx_packets_total{name="t-v4",flow="a_to_b"}')
	rx=$(prom_query 'rtpproxy_interface_rx_packets_total{interface="access"}')
	rate=$(prom_query 'rate(rtpproxy_session_rx_packets_total{name="t-v4",flow="a_to_b"}[3s])' "$t_mid")
	active=$(prom_query 'rtpproxy_sessions{state="active"}')
	kill "$prom" 2>/dev/null
	rtpp_wait_pid "$prom" 10
	detail "Prometheus: session rx $count tx $tx, access rx $rx, rate at mid-send ${rate}/s, active $active"
	[[ $count == 3000 && $tx == 3000 ]] ||
		fail "Prometheus says the session received ${count:-nothing} and relayed ${tx:-nothing}, want 3000/3000"
	awk -v r="$rx" 'BEGIN { exit !(r >= 3000) }' ||
		fail "Prometheus says access received ${rx:-nothing} packets, want >= 3000"
	awk -v r="$rate" 'BEGIN { exit !(r >= 400 && r <= 600) }' ||
		fail "Prometheus's rate over 3 s at mid-send is ${rate:-nothing}/s, want 500 +- 100"
	[[ $active == 1 ]] || fail "rtpproxy_sessions{state=\"active\"} is ${active:-absent}, want 1"
	case_stop
}

# Per-session series only when asked and configured; bad paths and methods
# answered clearly; the endpoint keeps serving.
case_metrics_http() {
	PROXY_API_YAML='http:
  listen: 127.0.0.1:8080' case_start "$SESSION_V4" "$B_V4"
	local body f=$RTPP_DIR/body
	http_get "$NS_PX" "http://127.0.0.1:8080/metrics" "$f"
	body=$(cat "$f")
	[[ $HTTP_STATUS == 200 ]] || fail "GET /metrics: status $HTTP_STATUS"
	grep -q '^rtpproxy_session_' <<<"$body" && fail "per-session series without ?sessions=1"
	grep -q '^rtpproxy_interface_rx_packets_total{interface="core"} ' <<<"$body" ||
		fail "no interface series for core"
	grep -q '^rtpproxy_worker_loops_total{worker="0",lcore="1"} ' <<<"$body" ||
		fail "no worker series: $(grep worker_loops <<<"$body")"
	http_get "$NS_PX" "http://127.0.0.1:8080/metrics?sessions=1" "$f"
	body=$(cat "$f")
	[[ $HTTP_STATUS == 403 && $body == *http.session_series* ]] ||
		fail "?sessions=1 with session_series off: $HTTP_STATUS $body"
	http_get "$NS_PX" "http://127.0.0.1:8080/nothing-here" "$f"
	body=$(cat "$f")
	[[ $HTTP_STATUS == 404 ]] || fail "unknown path: $HTTP_STATUS $body"
	# A write to /metrics: not allowed there (405 names GET).
	HTTP_STATUS=$(in_ns "$NS_PX" "$PYTHON" -c '
import urllib.request, urllib.error
try:
    urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:8080/metrics", data=b"{}",
        headers={"Content-Type": "application/json"}, method="POST"), timeout=5); print(200)
except urllib.error.HTTPError as e:
    print(e.code, e.headers.get("Allow"))')
	[[ $HTTP_STATUS == "405 GET" ]] || fail "POST /metrics: $HTTP_STATUS, want 405 with Allow: GET"
	# Loopback only by default: the media network does not reach it.
	if in_ns "$NS_A" "$PYTHON" -c '
import socket; s = socket.create_connection(("203.0.113.1", 8080), timeout=2)' 2>/dev/null; then
		fail "the HTTP endpoint answered on the media network (203.0.113.1:8080)"
	fi
	http_get "$NS_PX" "http://127.0.0.1:8080/metrics" "$f"
	[[ $HTTP_STATUS == 200 ]] || fail "GET /metrics after the bad requests: $HTTP_STATUS"
	case_stop
}

# TLS with client certificates: anyone may read /metrics, only a client with
# a certificate the configured CA signed passes the write rule (here a POST
# then meets the route's 405: the rule let it through), everyone else gets
# 403 and the reason; a client speaking plain HTTP to the TLS port gets nothing.
case_http_tls() {
	local d=$RTPP_RUN_DIR/pki-$CASE_TAG out
	rtpp_make_pki "$d" "/O=Example SBC/CN=console-operator" ||
		fail "openssl could not make test certificates: $(tail -n 3 "$d/openssl.log")"
	PROXY_API_YAML="http:
  listen: 127.0.0.1:8443
  tls_cert: $d/server.pem
  tls_key: $d/server.key
  tls_client_ca: $d/ca.pem" case_start ""
	out=$(in_ns "$NS_PX" "$PYTHON" - "$d" <<'PY'
import ssl, sys, urllib.request, urllib.error
d = sys.argv[1]
def call(method, cert=None):
    ctx = ssl.create_default_context(cafile=d + "/ca.pem")
    if cert:
        ctx.load_cert_chain(d + "/%s.pem" % cert, d + "/%s.key" % cert)
    req = urllib.request.Request("https://127.0.0.1:8443/metrics", method=method,
                                 data=b"{}" if method == "POST" else None,
                                 headers={"Content-Type": "application/json"})
    try:
        r = urllib.request.urlopen(req, context=ctx, timeout=5)
        return "%d" % r.status
    except urllib.error.HTTPError as e:
        return "%d:%s" % (e.code, e.read().decode().strip())
    except Exception as e:
        return "error:%s" % e
print(call("GET"))
print(call("POST"))
print(call("POST", "other"))
print(call("POST", "client"))
try:
    urllib.request.urlopen("http://127.0.0.1:8443/metrics", timeout=3)
    print("plain answered")
except Exception:
    print("plain refused")
PY
	)
	detail "$(tr '\n' '|' <<<"$out")"
	mapfile -t r <<<"$out"
	[[ ${r[0]} == 200 ]] || fail "GET /metrics over TLS without a client certificate: ${r[0]}"
	[[ ${r[1]} == "403:read-only: changes need a client certificate signed by http.tls_client_ca" ]] ||
		fail "a write without a client certificate: ${r[1]}"
	[[ ${r[2]} == 403:* || ${r[2]} == error:* ]] ||
		fail "a write with a certificate the CA did not sign: ${r[2]}"
	[[ ${r[3]} == 405:* ]] || fail "a write with the CA's client certificate did not pass the rule: ${r[3]}"
	[[ ${r[4]} == "plain refused" ]] || fail "plain HTTP to the TLS port: ${r[4]}"
	case_stop
}

ALL_CASES+=(metrics_prometheus metrics_http http_tls)
