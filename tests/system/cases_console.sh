# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The web console (docs/console.md) in a real browser: Debian's chromium,
# headless, runs in the proxy's namespace against http://127.0.0.1:8080/ and
# is driven over the DevTools protocol by tests/browser/console_page.py, which
# reports what the page shows (its DOM), not what the server said. Sourced by
# run.sh: everything there is at hand (case_start, relay, fail, ...).
#
#   console            the demo's sessions appear with their endpoints; the
#                      packet counts shown grow while RTP flows and end at
#                      what B received
#   console_write      a session created from the form forwards real packets;
#                      the server's refusals are shown; PATCH updates it;
#                      destroy from the page
#                      removes the session and its forwarding; the audit
#                      trail records each write (origin "http")
#   console_read_only  http.read_only: no form, the reason shown, no destroy
#                      buttons; a write from the page's own origin is refused
#                      403 and the sessions stay as they were; a stopped proxy
#                      is reported within the page's request timeout and the
#                      page recovers when it answers again

CONSOLE_PAGE=$HERE/../browser/console_page.py
CONSOLE_URL=http://127.0.0.1:8080/

# need_chromium: skip the case (counted, shown) on a host without chromium.
need_chromium() {
	command -v chromium >/dev/null 2>&1 ||
		skip "chromium is not installed (usertools/setup installs Debian's chromium)"
}

# page_open: the browser driver, in NS_PX, on the console; fails the case
# unless the page opened.
page_open() {
	need_chromium
	local line
	# exec: the coprocess's PID is the driver's own (ip netns exec execs too).
	coproc PAGE {
		exec ip netns exec "$NS_PX" "$PYTHON" "$CONSOLE_PAGE" --url "$CONSOLE_URL" \
			--profile "$RTPP_DIR/chromium-profile" --log "$RTPP_DIR/chromium.log" \
			2>"$RTPP_DIR/page.err"
	}
	PAGE_DRIVER=$PAGE_PID
	IFS= read -r -t 40 line <&"${PAGE[0]}" ||
		fail "the browser driver said nothing within 40 s: $(tail -n 3 "$RTPP_DIR/page.err" 2>/dev/null)"
	[[ $(rtpp_json 'd["ok"]' <<<"$line") == true ]] || fail "the console did not open: $line"
}

# page COMMAND [TIMEOUT]: one command to the driver (a JSON array, see
# console_page.py); its answer in PAGE_OUT. Fails the case on an error.
page() {
	local line
	PAGE_OUT=
	printf '%s\n' "$1" 1>&"${PAGE[1]}" 2>/dev/null ||
		fail "the browser driver is gone (at $1): $(tail -n 3 "$RTPP_DIR/page.err" 2>/dev/null)"
	IFS= read -r -t "${2:-40}" line <&"${PAGE[0]}" ||
		fail "the browser driver did not answer $1 within ${2:-40} s"
	[[ $(rtpp_json 'd["ok"]' <<<"$line") == true ]] ||
		fail "page: $1: $(rtpp_json 'd.get("error")' <<<"$line")"
	PAGE_OUT=$line
}

# pq EXPR: a Python expression over the last answer (d), as rtpp_json.
pq() { rtpp_json "$1" <<<"$PAGE_OUT"; }

# page_close: quit the browser; the driver ends it by its process group.
page_close() {
	local line
	printf '%s\n' '["quit"]' 1>&"${PAGE[1]}" 2>/dev/null &&
		IFS= read -r -t 15 line <&"${PAGE[0]}"
	rtpp_wait_pid "$PAGE_DRIVER" 15 # kills it by its PID if it is still there
}

# page_no_errors: the page threw no script error and broke no CSP rule.
page_no_errors() {
	page '["state"]'
	[[ $(pq 'd["errors"]') == "[]" ]] || fail "the page reported errors: $(pq 'd["errors"]')"
}

console_row() { SN=$1 pq '([r for r in d["rows"] if r["name"] == os.environ["SN"]] or [None])[0]'; }

case_console() {
	need_chromium
	case_start "$SESSION_V4
$SESSION_V6" "$B_V4"
	page_open
	local n=2000 c1 c2 c3 rate rp sp
	page '["wait_ready", 15]'
	# The demo's sessions appear, with their endpoints; this client may write.
	[[ $(pq '" ".join(sorted(r["name"] for r in d["rows"]))') == "t-v4 t-v6" ]] ||
		fail "the page shows sessions $(pq '[r["name"] for r in d["rows"]]'), want t-v4 and t-v6"
	[[ $(pq '[r["cells"]["leg_b"]["text"] for r in d["rows"] if r["name"] == "t-v4"][0] == "198.51.100.1:30000 \u2192 198.51.100.20:40000"') == true ]] ||
		fail "t-v4's leg B on the page: $(console_row t-v4)"
	[[ $(pq 'd["form_visible"] and not d["read_only_visible"]') == true ]] ||
		fail "a loopback console without read_only shows no create form: $(pq 'd["read_only_reason"]')"
	(($(pq 'd["graphs"]') == 5)) ||
		fail "the page draws $(pq 'd["graphs"]') graphs, want 5 (2 per interface, 1 per worker)"

	# RTP through t-v4 (250 packets/s for 8 s): the count the page shows grows while it flows.
	rtpp_recv_start "$NS_B" flow --bind $B_V4:40000 --expect-src $PX_B_V4:30000 --count $n \
		--pattern 61 --timeout 25 --idle-timeout 4 || fail "receiver flow"
	rp=$RECV_PID
	sender flow "$NS_A" --dst $PX_A_V4:20000 --src $A_V4:50000 --count $n --rate 250 \
		--pattern 61 --timeout 20 &
	sp=$!
	page '["wait_row", "t-v4", 1, 10]'
	c1=$(pq '[r["a_packets"] for r in d["rows"] if r["name"] == "t-v4"][0]')
	page '["wait_refresh", 5]'
	c2=$(pq '[r["a_packets"] for r in d["rows"] if r["name"] == "t-v4"][0]')
	page '["wait_refresh", 5]'
	c3=$(pq '[r["a_packets"] for r in d["rows"] if r["name"] == "t-v4"][0]')
	rate=$(pq '[r["a_rate"] for r in d["rows"] if r["name"] == "t-v4"][0]')
	detail "t-v4 A->B packets on the page while RTP flows: $c1, $c2, $c3 of $n (rate $rate/s)"
	((c1 < c2 && c2 < n && c2 <= c3)) ||
		fail "the page's A->B count of t-v4 did not grow while RTP flowed: $c1, $c2, $c3 (of $n)"
	[[ $(RATE=$rate rtpp_json 'float(os.environ["RATE"] or 0) > 50' <<<'{}') == true ]] ||
		fail "the page shows t-v4's A->B rate as ${rate:-nothing} while 250 packets/s flow"
	rtpp_wait_pid "$sp" 25
	sender_ok flow
	wait_recv flow "$rp" 25
	page "[\"wait_row\", \"t-v4\", $n, 8]"
	(($(pq '[r["a_packets"] for r in d["rows"] if r["name"] == "t-v4"][0]') == n)) ||
		fail "the page shows $(console_row t-v4) after B received $n"

	page_no_errors
	page_close
	case_stop
}

case_console_write() {
	need_chromium
	# The console's writes go to the audit trail (docs/audit.md) with origin "http".
	PROXY_API_YAML="audit:
  file: $RTPP_RUN_DIR/$CASE_TAG/audit.jsonl" case_start "$SESSION_V4" "$B_V4"
	page_open
	local rp id
	page '["wait_ready", 15]'

	# A session created by filling the form and clicking Create forwards real packets.
	page '["create", {"listen": "203.0.113.1:20200", "forward": "198.51.100.1:30200", "destination": "198.51.100.20:40200", "name": "web-1"}, 10]'
	[[ $(pq 'd["message_kind"]') == ok ]] || fail "Create from the page: $(pq 'd["message"]')"
	page '["wait_row", "web-1", 0, 5]'
	id=$(pq 'd["row"]["id"]')
	[[ $(pq 'd["row"]["cells"]["leg_a"]["text"].startswith("203.0.113.1:20200 ")') == true ]] ||
		fail "web-1 on the page: $(pq 'd["row"]')"
	relay web1 $B_V4:40200 $PX_B_V4:30200 $PX_A_V4:20200 $A_V4:50200 1000 2000 62
	page '["wait_row", "web-1", 1000, 8]'
	(($(pq 'd["row"]["a_packets"]') == 1000)) || fail "the page shows $(pq 'd["row"]') after 1000 packets"

	# The server's refusals reach the operator, in the API's words; nothing is created.
	page '["create", {"listen": "203.0.113.1:20200", "forward": "198.51.100.1:30300", "destination": "198.51.100.20:40300", "name": "web-2"}, 10]'
	[[ $(pq 'd["message_kind"] == "error" and "ALREADY_EXISTS" in d["message"] and "203.0.113.1:20200" in d["message"]') == true ]] ||
		fail "a taken listen endpoint, the page says: $(pq 'd["message"]')"
	page '["create", {"listen": "203.0.113.99:20400", "forward": "198.51.100.1:30400", "destination": "198.51.100.20:40400", "name": "web-3"}, 10]'
	[[ $(pq '"INVALID_ARGUMENT: listen: 203.0.113.99:20400 is not an address of any interface" in d["message"]') == true ]] ||
		fail "a listen address no interface owns, the page says: $(pq 'd["message"]')"
	page '["create", {"listen": "nonsense", "forward": "198.51.100.1:30400", "destination": "198.51.100.20:40400"}, 10]'
	[[ $(pq '"listen: \"nonsense\" is not ADDRESS:PORT" in d["message"]') == true ]] ||
		fail "a malformed endpoint in the form, the page says: $(pq 'd["message"]')"
	page '["wait_refresh", 5]'
	[[ $(pq '" ".join(sorted(r["name"] for r in d["rows"]))') == "t-v4 web-1" ]] ||
		fail "after three refused creates the page shows $(pq '[r["name"] for r in d["rows"]]')"

	# UpdateSession's JSON (no form for it): PATCH holds leg A; the path names the session.
	page "[\"fetch\", \"PATCH\", \"/api/sessions/$id\", {\"leg_a\": {\"paused\": true}}]"
	[[ $(pq 'd["status"] == 200 and json.loads(d["text"])["status"]["leg_a"]["paused"] is True') == true ]] ||
		fail "PATCH /api/sessions/$id (pause leg A): $(pq 'd')"
	page "[\"fetch\", \"PATCH\", \"/api/sessions/$id\", {\"session_id\": \"999\"}]"
	[[ $(pq 'd["status"] == 400 and "session_id: 999 is not the path" in d["text"]') == true ]] ||
		fail "PATCH /api/sessions/$id naming session 999: $(pq 'd')"

	# Destroy from the page (two clicks): the session is gone, and so is its forwarding.
	page "[\"destroy\", \"$id\", 8]"
	[[ $(pq 'd["message_kind"] == "ok" and "destroyed" in d["message"]') == true ]] ||
		fail "Destroy from the page: $(pq 'd["message"]')"
	page "[\"fetch\", \"GET\", \"/api/sessions/$id\", null]"
	(($(pq 'd["status"]') == 404)) || fail "session $id after Destroy: $(pq 'd')"
	[[ $(rtpp_tq 'len(q("/rtpproxy/sessions") or [])') == 1 ]] ||
		fail "the proxy lists $(rtpp_tq 'q("/rtpproxy/sessions")') after Destroy, want t-v4 alone"
	rtpp_recv_start "$NS_B" gone --bind $B_V4:40200 --count 50 --pattern 63 --timeout 2 \
		--idle-timeout 0 || fail "receiver gone"
	rp=$RECV_PID
	sender gone "$NS_A" --dst $PX_A_V4:20200 --src $A_V4:50200 --count 50 --rate 500 \
		--pattern 63 --timeout 5
	rtpp_wait_pid "$rp" 10
	(($(rtpp_json 'd["received"]' <"$RTPP_DIR/gone.json") == 0)) ||
		fail "B still received $(rtpp_json 'd["received"]' <"$RTPP_DIR/gone.json") packets of the destroyed session"

	# What the audit trail says of the console's writes, in order.
	[[ $(ID=$id "$PYTHON" -c '
import json, os, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
got = [(r["action"], r.get("method"), r.get("session_id"), r.get("session_name"), r["result"],
        r.get("peer", "").split(":")[0]) for r in recs if r["origin"] == "http"]
i = int(os.environ["ID"])
want = [("create", "POST /api/sessions", i, "web-1", "OK", "127.0.0.1"),
        ("refused", "POST /api/sessions", None, "web-2", "ALREADY_EXISTS", "127.0.0.1"),
        ("refused", "POST /api/sessions", None, "web-3", "INVALID_ARGUMENT", "127.0.0.1"),
        ("update", "PATCH /api/sessions/%d" % i, i, "web-1", "OK", "127.0.0.1"),
        ("refused", "PATCH /api/sessions/%d" % i, i, None, "INVALID_ARGUMENT", "127.0.0.1"),
        ("destroy", "DELETE /api/sessions/%d" % i, i, "web-1", "OK", "127.0.0.1"),
        ("refused", "GET /api/sessions/%d" % i, i, None, "NOT_FOUND", "127.0.0.1")]
print("ok" if got == want else "got %s" % got)' "$RTPP_DIR/audit.jsonl" 2>&1) == ok ]] ||
		fail "the audit trail of the console's writes: $(tail -c 600 "$RTPP_DIR/audit.jsonl" 2>&1)"

	page_no_errors
	page_close
	case_stop
}

case_console_read_only() {
	need_chromium
	PROXY_API_YAML="http:
  read_only: true
audit:
  file: $RTPP_RUN_DIR/$CASE_TAG/audit.jsonl" case_start "$SESSION_V4" "$B_V4"
	page_open
	local before after
	page '["wait_ready", 15]'
	[[ $(pq 'not d["form_visible"] and d["read_only_visible"]') == true ]] ||
		fail "a read-only console shows the create form ($(pq '{k: d[k] for k in ("form_visible", "read_only_visible")}'))"
	[[ $(pq 'd["read_only_reason"]') == "http.read_only is set" ]] ||
		fail "the page gives as the reason: $(pq 'd["read_only_reason"]')"
	[[ $(pq '[r["name"] for r in d["rows"] if not r["destroy_visible"]]') == '["t-v4"]' ]] ||
		fail "the read-only page shows $(pq '[(r["name"], r["destroy_visible"]) for r in d["rows"]]') (name, destroy button)"
	before=$(pq '[(r["id"], r["name"]) for r in d["rows"]]')

	# A write from the page's own origin (what a changed page could send) is refused.
	page '["fetch", "POST", "/api/sessions", {"listen": {"address": "203.0.113.1", "port": 20200}, "forward": {"address": "198.51.100.1", "port": 30200}, "destination": {"address": "198.51.100.20", "port": 40200}}]'
	[[ $(pq 'd["status"] == 403 and "http.read_only" in d["text"]') == true ]] ||
		fail "POST /api/sessions from a read-only page: $(pq 'd')"
	page '["fetch", "DELETE", "/api/sessions/1", null]'
	[[ $(pq 'd["status"] == 403') == true ]] || fail "DELETE /api/sessions/1 from a read-only page: $(pq 'd')"
	page '["wait_refresh", 5]'
	after=$(pq '[(r["id"], r["name"]) for r in d["rows"]]')
	[[ $after == "$before" ]] || fail "the sessions changed on a read-only console: $before, then $after"
	[[ $(rtpp_tq 'len(q("/rtpproxy/sessions") or [])') == 1 ]] ||
		fail "the proxy lists $(rtpp_tq 'q("/rtpproxy/sessions")') after refused writes, want t-v4 alone"
	# Both refusals are in the audit trail, with the rule's reason.
	[[ $("$PYTHON" -c '
import json, sys
got = [(r["action"], r["origin"], r["method"], r["result"], r.get("message"), r["peer"].startswith("127.0.0.1:"))
       for r in map(json.loads, open(sys.argv[1])) if r["origin"] == "http"]
want = [("refused", "http", m, "PERMISSION_DENIED", "http.read_only is set", True)
        for m in ("POST /api/sessions", "DELETE /api/sessions/1")]
print("ok" if got == want else "got %s" % got)' "$RTPP_DIR/audit.jsonl" 2>&1) == ok ]] ||
		fail "the audit trail of the refused writes: $(tail -c 600 "$RTPP_DIR/audit.jsonl" 2>&1)"

	# A proxy that stops answering (SIGSTOP): the page says so once its
	# request times out (5 s) rather than waiting for ever, and refreshes
	# again when the proxy answers. The guard resumes the proxy should the
	# case fail in between.
	local guard
	kill -STOP "$PROXY_PID"
	(sleep 20 && kill -CONT "$PROXY_PID" 2>/dev/null) &
	guard=$!
	page '["wait_status", "cannot reach the proxy: no answer within 5 s", 15]'
	kill -CONT "$PROXY_PID"
	kill "$guard" 2>/dev/null
	page '["wait_refresh", 10]'

	page_no_errors
	page_close
	case_stop
}

ALL_CASES+=(console console_write console_read_only)
