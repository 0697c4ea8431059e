# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# The audit trail (docs/audit.md), sourced by run.sh: a proxy with
# `audit: {file: ...}` and mutual TLS on its API; every control action and
# every refusal over gRPC becomes one JSON line in the file and on stdout,
# with the client certificate's subject, the peer, the method, the session
# and the result; logrotate's move and SIGHUP lose nothing.

# audit_certs DIR: a CA, the server's certificate (127.0.0.1) and a client's
# whose subject has a comma to escape (RFC 2253 "O=Example\, SBC").
audit_certs() {
	rtpp_make_pki "$1" '/O=Example, SBC/CN=rtpp-audit-client'
}

# Every record kind, in the order the case causes them; then the file's and
# stdout's lines checked against it (tests/system/audit_check.py is inline).
case_audit() {
	local d=$RTPP_RUN_DIR/pki-$CASE_TAG log=$RTPP_RUN_DIR/audit-$CASE_TAG/audit.log
	mkdir -p "${log%/*}"
	audit_certs "$d" || fail "openssl could not make test certificates: $(tail -n 3 "$d/openssl.log")"
	PROXY_API_YAML="api:
  listen: 127.0.0.1:50051
  tls_cert: $d/server.pem
  tls_key: $d/server.key
  tls_client_ca: $d/ca.pem
  max_event_streams: 1
audit:
  file: $log"
	PROXY_POLICY_YAML='policy:
  allowed_remotes: [198.51.100.16/28, "2001:db8:b::/64"]'
	case_start "$SESSION_V4" "$B_V4"
	actl() { ctl --tls-ca "$d/ca.pem" --tls-cert "$d/client.pem" --tls-key "$d/client.key" "$@"; }

	local out id id2 id3 holder i
	# create, update, destroy
	out=$(actl create $PX_A_V4:0 $PX_B_V4:0 $B_V4:40100 --name 'audit-"one"-café')
	id=$(rtpp_json 'd["id"]' <<<"$out") || fail "CreateSession: $out"
	out=$(actl update "$id" --b-pause)
	[[ $(rtpp_json 'd.get("code", "OK")' <<<"$out") == OK ]] || fail "UpdateSession: $out"
	out=$(actl destroy "$id")
	[[ $(rtpp_json 'd["state"]' <<<"$out") == closed ]] || fail "DestroySession: $out"
	# refusals: a bad request, one outside the policy, an unknown session
	out=$(actl create 203.0.113.99:20300 $PX_B_V4:30300 $B_V4:40100)
	[[ $(rtpp_json 'd.get("code")' <<<"$out") == INVALID_ARGUMENT ]] || fail "bad create: $out"
	out=$(actl create $PX_A_V4:0 $PX_B_V4:0 198.51.100.9:40100)
	[[ $(rtpp_json 'd.get("code")' <<<"$out") == PERMISSION_DENIED ]] || fail "create outside the policy: $out"
	out=$(actl status 999999)
	[[ $(rtpp_json 'd.get("code")' <<<"$out") == NOT_FOUND ]] || fail "status of no session: $out"
	# reads that succeed are no control action: not recorded
	actl list >/dev/null || fail "ListSessions failed"
	actl health >/dev/null || fail "health check failed"
	# a stream beyond its bound (api.max_event_streams: 1)
	actl watch --seconds 20 >"$RTPP_DIR/holder.json" 2>&1 &
	holder=$!
	for ((i = 0; i < 50; i++)); do
		[[ $(rtpp_tq 'q("/rtpproxy/api")["event_streams_open"]') == 1 ]] && break
		sleep 0.1
	done
	out=$(actl watch --seconds 5)
	[[ $(rtpp_json 'd.get("code")' <<<"$out") == RESOURCE_EXHAUSTED ]] || fail "second event stream: $out"
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	# an expiry: media never comes within 1 s
	out=$(actl create $PX_A_V4:0 $PX_B_V4:0 $B_V4:40200 --first-media-timeout 1 --name expiring)
	id2=$(rtpp_json 'd["id"]' <<<"$out") || fail "CreateSession (expiring): $out"
	for ((i = 0; i < 80; i++)); do
		grep -q '"action":"expire"' "$log" 2>/dev/null && break
		sleep 0.1
	done
	# logrotate: the file moves away, SIGHUP, the next record opens a new one
	mv "$log" "$log.1"
	kill -HUP "$PROXY_PID"
	for ((i = 0; i < 50; i++)); do
		[[ -e $log ]] && break
		sleep 0.1
	done
	[[ -e $log ]] || fail "no new $log within 5 s of SIGHUP"
	out=$(actl create $PX_A_V4:0 $PX_B_V4:0 $B_V4:40300 --name after-rotation)
	id3=$(rtpp_json 'd["id"]' <<<"$out") || fail "CreateSession after the rotation: $out"
	local tele
	tele=$(rtpp_tq 'q("/rtpproxy/api")')
	case_stop

	AUDIT_IDS="$id $id2 $id3" AUDIT_TELE=$tele AUDIT_CONFIG=$RTPP_DIR/rtpproxy.yaml \
		"$PYTHON" - "$log.1" "$log" "$PROXY_LOG" >"$RTPP_DIR/audit-check.txt" 2>&1 <<'PYEOF' ||
import json, os, re, sys

rotated, current, proxy_log = sys.argv[1:4]
id1, id2, id3 = (int(x) for x in os.environ["AUDIT_IDS"].split())
subject = "CN=rtpp-audit-client,O=Example\\, SBC"
problems = []

def lines(path):
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        problems.append("%s does not end with a newline" % path)
    return data.decode("utf-8").splitlines()

old, new = lines(rotated), lines(current)
recs = []
for ln in old + new:
    try:
        o = json.loads(ln)
    except ValueError as e:
        problems.append("not JSON (%s): %r" % (e, ln))
        continue
    if not isinstance(o, dict):
        problems.append("not an object: %r" % ln)
        continue
    recs.append(o)
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o.get("time", "")):
        problems.append("time %r is not RFC 3339 UTC with ms" % o.get("time"))
seqs = [r.get("seq") for r in recs]
if seqs != list(range(1, len(recs) + 1)):
    problems.append("seq not 1..N in file order: %s" % seqs)

peer = re.compile(r"127\.0\.0\.1:\d+")
def grpc(method):
    return {"origin": "grpc", "method": "/rtpproxy.RtpProxy/" + method, "subject": subject}

want = [
    ({"action": "config_load", "origin": "config", "config": os.environ["AUDIT_CONFIG"],
      "interfaces": ["access", "core"], "static_sessions": 1, "result": "OK", "code": 0}, None),
    ({"action": "create", "origin": "config", "session_name": "t-v4", "result": "OK"}, None),
    (dict(grpc("CreateSession"), action="create", session_id=id1,
          session_name='audit-"one"-café', result="OK", code=0), peer),
    (dict(grpc("UpdateSession"), action="update", session_id=id1,
          session_name='audit-"one"-café', result="OK", code=0), peer),
    (dict(grpc("DestroySession"), action="destroy", session_id=id1,
          session_name='audit-"one"-café', result="OK", code=0), peer),
    (dict(grpc("CreateSession"), action="refused", result="INVALID_ARGUMENT", code=3,
          message="listen: 203.0.113.99:20300 is not an address of any interface"), peer),
    (dict(grpc("CreateSession"), action="refused", result="PERMISSION_DENIED", code=7,
          message="destination: 198.51.100.9 is not in policy.allowed_remotes"), peer),
    (dict(grpc("GetSessionStatus"), action="refused", result="NOT_FOUND", code=5,
          session_id=999999), peer),
    (dict(grpc("StreamSessionEvents"), action="refused", result="RESOURCE_EXHAUSTED", code=8,
          message="1 calls of this kind are open, at most 1 (api.max_event_streams): "
                  "close one first"), peer),
    (dict(grpc("CreateSession"), action="create", session_id=id2, session_name="expiring",
          result="OK"), peer),
    ({"action": "expire", "origin": "dataplane", "session_id": id2, "session_name": "expiring",
      "reason": "no_media", "result": "OK", "code": 0}, None),
    (dict(grpc("CreateSession"), action="create", session_id=id3,
          session_name="after-rotation", result="OK"), peer),
]
if len(recs) != len(want):
    problems.append("%d records, want %d: %s" % (len(recs), len(want),
                    [(r.get("action"), r.get("method")) for r in recs]))
for i, (r, (fields, peer_re)) in enumerate(zip(recs, want)):
    for k, v in fields.items():
        if r.get(k) != v:
            problems.append("record %d %s: %r, want %r (%s)" % (i + 1, k, r.get(k), v, json.dumps(r)))
    if peer_re is not None and not peer_re.fullmatch(r.get("peer", "")):
        problems.append("record %d peer %r, want 127.0.0.1:PORT" % (i + 1, r.get("peer")))
    if peer_re is None and ("peer" in r or "subject" in r or "method" in r):
        problems.append("record %d has a caller: %s" % (i + 1, json.dumps(r)))
if len(new) != 1 or (recs and recs[-1].get("session_id") != id3):
    problems.append("after the rotation the new file holds %d lines: %s" % (len(new), new))
# The static session's create names the id the data plane gave it.
if len(recs) > 1 and not isinstance(recs[1].get("session_id"), int):
    problems.append("static session's create without a session_id: %s" % json.dumps(recs[1]))

# stdout got the same lines, whole.
with open(proxy_log, "rb") as f:
    out = set(f.read().decode("utf-8", "replace").splitlines())
missing = [ln for ln in old + new if ln not in out]
if missing:
    problems.append("%d lines missing from stdout, e.g. %s" % (len(missing), missing[0]))

tele = json.loads(os.environ["AUDIT_TELE"])
if tele.get("audit_records") != len(recs) or tele.get("audit_write_errors") != 0:
    problems.append("telemetry audit_records %s (want %d), audit_write_errors %s" %
                    (tele.get("audit_records"), len(recs), tele.get("audit_write_errors")))
calls = tele.get("calls/rtpproxy_RtpProxy/CreateSession")
if not calls or calls[0] != 3 or calls[3] != 1 or calls[7] != 1:
    problems.append("telemetry CreateSession calls by code: %s (want 3 OK, 1 INVALID_ARGUMENT, "
                    "1 PERMISSION_DENIED)" % calls)
ev = tele.get("calls/rtpproxy_RtpProxy/StreamSessionEvents")
if not ev or ev[8] != 1:
    problems.append("telemetry StreamSessionEvents calls by code: %s (want 1 RESOURCE_EXHAUSTED)" % ev)

for kind in ("config_load", "create", "update", "destroy", "refused", "expire"):
    for r in recs:
        if r.get("action") == kind:
            print("example %s: %s" % (kind, json.dumps(r, ensure_ascii=False)))
            break
if problems:
    print("\n".join(problems))
    sys.exit(1)
print("ok: %d records" % len(recs))
PYEOF
		fail "audit trail: $(grep -v '^example' "$RTPP_DIR/audit-check.txt" | head -n 3)"
	cat "$RTPP_DIR/audit-check.txt"
}

# A file that takes nothing (/dev/full: ENOSPC on every write): the proxy
# serves as before, the records still reach stdout, the lost lines are
# counted in telemetry, and stderr says so once, not once per line.
case_audit_full() {
	PROXY_API_YAML='audit:
  file: /dev/full'
	case_start "$SESSION_V4" "$B_V4"
	local out id i tele
	for i in 1 2 3; do
		out=$(ctl create $PX_A_V4:0 $PX_B_V4:0 $B_V4:$((40100 + i)) --name "full-$i")
		id=$(rtpp_json 'd["id"]' <<<"$out") || fail "CreateSession $i with a full audit file: $out"
	done
	out=$(ctl destroy "$id")
	[[ $(rtpp_json 'd["state"]' <<<"$out") == closed ]] || fail "DestroySession: $out"
	tele=$(rtpp_tq 'q("/rtpproxy/api")')
	# config_load, the static create, 3 creates, 1 destroy: 6 records, each lost to the file
	[[ $(rtpp_json '"%d %d" % (d["audit_records"], d["audit_write_errors"])' <<<"$tele") == "6 6" ]] ||
		fail "telemetry after 6 records into /dev/full: $tele"
	relay f1 $B_V4:40000 $PX_B_V4:30000 $PX_A_V4:20000 $A_V4:50000 500 2000 67
	case_stop
	local reports stdout_lines
	reports=$(grep -c 'audit: cannot write to /dev/full: No space left on device' "$PROXY_LOG")
	[[ $reports == 1 ]] || fail "stderr reported the full file $reports times, want once"
	stdout_lines=$(grep -c '^{"time":' "$PROXY_LOG")
	[[ $stdout_lines == 6 ]] || fail "$stdout_lines records on stdout, want 6"
	grep -q '"action":"destroy".*"session_name":"full-3"' "$PROXY_LOG" ||
		fail "the destroy record is not on stdout"
}

ALL_CASES+=(audit audit_full)
