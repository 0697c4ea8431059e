# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
#
# systemd: the proxy as a Type=notify service with a watchdog
# (config/systemd/, lib/service, docs/systemd.md). Sourced by run.sh.
#
# Build and CI machines do not boot with systemd as PID 1, so the protocol
# is checked against tests/system/notify_standin.py, which plays systemd's
# part of sd_notify(3) (NotifyAccess=main, WatchdogSec=, READY/WATCHDOG/
# STATUS/STOPPING); the unit files with `systemd-analyze verify` and
# `systemd-analyze security --offline`; and the unit itself under systemd
# only where PID 1 is systemd (systemd_real; SKIP elsewhere).

SYSD_STANDIN=$HERE/notify_standin.py
SYSD_UNIT_DIR=$HERE/../../config/systemd

# sysd_standin_start WATCHDOG_USEC DURATION [ON_READY_CMD]: systemd's part,
# in the background, on $RTPP_DIR/notify.sock. Sets SYSD_SOCK, SYSD_EVENTS,
# SYSD_SUMMARY, SYSD_PID.
sysd_standin_start() {
	local usec=$1 duration=$2 n=100
	SYSD_SOCK=$RTPP_DIR/notify.sock
	SYSD_EVENTS=$RTPP_DIR/notify.events
	SYSD_SUMMARY=$RTPP_DIR/notify.json
	rm -f "$SYSD_EVENTS" "$SYSD_SUMMARY" "$RTPP_DIR/proxy.pid"
	"$PYTHON" "$SYSD_STANDIN" --socket "$SYSD_SOCK" --watchdog-usec "$usec" \
		--duration "$duration" --main-pid-file "$RTPP_DIR/proxy.pid" \
		--events "$SYSD_EVENTS" --summary "$SYSD_SUMMARY" ${3:+--on-ready "$3"} \
		</dev/null >"$RTPP_DIR/notify.out" 2>&1 &
	SYSD_PID=$!
	while ((n-- > 0)); do
		[[ -S $SYSD_SOCK ]] && return 0
		rtpp_pid_alive "$SYSD_PID" || break
		sleep 0.05
	done
	fail "the notify stand-in did not start: $(head -c 300 "$RTPP_DIR/notify.out")"
}

# sysd_proxy_start WATCHDOG_USEC APP_ARGS...: the proxy in NS_PX with the
# environment systemd gives a Type=notify service with WatchdogSec=.
sysd_proxy_start() {
	local usec=$1
	shift
	NOTIFY_SOCKET=$SYSD_SOCK WATCHDOG_USEC=$usec rtpp_proxy_start "$BIN" "$@"
}

# sysd_q EXPR: a Python expression over the stand-in's events (list ev,
# dicts with t, wall, event, fields): wall times of READY=1 (ready, or None),
# of each WATCHDOG=1 (pings) and expiry (expiries), (wall, text) of each
# STATUS= (statuses); T0 and T1 from the environment; time at hand.
sysd_q() {
	"$PYTHON" -c '
import json, os, sys, time
T0, T1 = float(os.environ.get("T0", 0)), float(os.environ.get("T1", 0))
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
msgs = [e for e in ev if e["event"] == "message"]
ready = next((e["wall"] for e in msgs if e["fields"].get("READY") == "1"), None)
pings = [e["wall"] for e in msgs if e["fields"].get("WATCHDOG") == "1"]
statuses = [(e["wall"], e["fields"]["STATUS"]) for e in msgs if "STATUS" in e["fields"]]
expiries = [e["wall"] for e in ev if e["event"] == "watchdog_expired"]
r = eval(sys.argv[2])
print(json.dumps(r) if isinstance(r, (dict, list, bool)) or r is None else r)
' "$SYSD_EVENTS" "$1"
}

# sysd_wait_ready TIMEOUT: until the stand-in got READY=1; fails the case
# when the proxy dies or the time passes.
sysd_wait_ready() {
	local n=$(($1 * 20))
	while ((n-- > 0)); do
		grep -q '"READY": "1"' "$SYSD_EVENTS" 2>/dev/null && return 0
		if ! rtpp_pid_alive "$PROXY_PID"; then
			detail "proxy log: $(tail -n 20 "$PROXY_LOG" 2>/dev/null)"
			fail "the proxy exited before READY=1"
		fi
		sleep 0.05
	done
	detail "stand-in events: $(tail -n 5 "$SYSD_EVENTS" 2>/dev/null)"
	detail "proxy log: $(tail -n 20 "$PROXY_LOG" 2>/dev/null)"
	fail "no READY=1 within $1 s"
}

# sysd_stop: SIGTERM the proxy (exit 0 within 10 s), then the stand-in's
# summary: STOPPING=1 arrived from the main PID, nothing from elsewhere.
sysd_stop() {
	local pid=$PROXY_PID summary
	case_stop
	rtpp_wait_pid "$SYSD_PID" 5
	summary=$(cat "$SYSD_SUMMARY" 2>/dev/null)
	[[ -n $summary ]] || fail "the stand-in wrote no summary: $(head -c 300 "$RTPP_DIR/notify.out")"
	[[ $(rtpp_json '"%s %s %s" % (d["main_pid"], d["refused"], d["stopping_at"] is not None)' \
		<<<"$summary") == "$pid 0 True" ]] ||
		fail "after SIGTERM: want STOPPING=1 from main PID $pid and nothing from others: $summary"
}

# The unit's ExecStart= and its runtime directory name the same DPDK file
# prefix; each test rewrites that pair for its own.
SYSD_UNIT_PREFIX=rtpproxy

# ------------------------------------------------------------------ cases

# READY=1 means forwarding works: the proxy starts with NOTIFY_SOCKET and
# WATCHDOG_USEC (2 s) as under systemd, while B, the next hop of its static
# session, does not answer ARP yet. STATUS= says what start-up waits for and
# no READY=1 comes; then B answers. The moment the stand-in gets READY=1 it
# starts A sending 3000 RTP packets, and B must get every one of them,
# intact and in order (a READY=1 before the next hop answered would lose
# the first ones). WATCHDOG=1 then comes every second or so and the
# watchdog never fires; the debug command is refused without
# --debug-commands (and the worker goes on); SIGTERM sends STOPPING=1.
case_systemd_notify() {
	local n=3000 rp send status out l0 l1 i want
	rtpp_topo_up "$CASE_TAG" || fail "topology setup failed (see the case log)"
	rtpp_write_config "$RTPP_DIR/rtpproxy.yaml" <<<"$SESSION_V4"
	# A knows the proxy's MAC beforehand: A's own ARP is not what is measured.
	rtpp_host_pin "$NS_A" "$PX_A_V4" "$(rtpp_px_mac pxa)" || fail "cannot pin the proxy's MAC in A"
	rtpp_recv_start "$NS_B" rtp --bind "$B_V4:40000" --expect-src "$PX_B_V4:30000" --count $n \
		--pattern 61 --timeout 40 --idle-timeout 5 || fail "receiver did not start"
	rp=$RECV_PID
	printf -v send '%q ' timeout 30 ip netns exec "$NS_A" "$PYTHON" "$RTPTOOL" send \
		--dst "$PX_A_V4:20000" --src "$A_V4:50000" --count $n --rate 3000 --pattern 61 --timeout 15
	sysd_standin_start 2000000 50 "$send >$(printf %q "$RTPP_DIR/rtp.send.json") 2>&1"
	in_ns "$NS_B" sysctl -qw net.ipv4.conf.eth0.arp_ignore=8 || fail "cannot make B ignore ARP"
	sysd_proxy_start 2000000 -c "$RTPP_DIR/rtpproxy.yaml"
	want="starting: waiting for next hop $B_V4 on core (1 in all, at most 10 s)"
	for ((i = 0; i < 400; i++)); do
		status=$(sysd_q '"ready" if ready else (statuses[-1][1] if statuses else "")')
		[[ $status == ready || $status == "$want" ]] && break
		rtpp_pid_alive "$PROXY_PID" || fail "the proxy exited during start-up: $(rtpp_proxy_log_tail 3)"
		sleep 0.05
	done
	[[ $status == "$want" ]] || fail "while B does not answer ARP: want STATUS=$want, got '$status'"
	sleep 1.5 # the proxy asks again meanwhile: still no READY=1
	[[ $(sysd_q 'ready') == null ]] || fail "READY=1 while the next hop does not answer"
	in_ns "$NS_B" sysctl -qw net.ipv4.conf.eth0.arp_ignore=0 || fail "cannot make B answer ARP"
	sysd_wait_ready 25
	status=$(sysd_q 'statuses[-1][1] if statuses else None')
	[[ $status == "forwarding: 1 workers, API on 127.0.0.1:50051"* ]] ||
		fail "STATUS= with READY=1: $status"
	wait_recv rtp "$rp" 30
	sender_ok rtp
	detail "$(recv_line rtp)"

	# Not a debug proxy: the command answers why, and the worker goes on.
	out=$(rtpp_tq 'q("/rtpproxy/debug/stall_worker,0,3000")')
	[[ $(rtpp_json 'd.get("error")' <<<"$out") == "debug commands are off: start rtpproxy with --debug-commands" ]] ||
		fail "stall_worker without --debug-commands: $out"
	l0=$(rtpp_tq 'q("/rtpproxy/workers")["worker0"]["loops"]')
	sleep 0.5
	l1=$(rtpp_tq 'q("/rtpproxy/workers")["worker0"]["loops"]')
	[[ $l0 =~ ^[0-9]+$ && $l1 =~ ^[0-9]+$ ]] && ((l1 > l0)) ||
		fail "worker 0 did not loop after a refused stall_worker: loops $l0 then $l1"

	# Five seconds after READY=1: a ping about every second, no expiry.
	while [[ $(sysd_q '__import__("time").time() - ready >= 5') != true ]]; do sleep 0.2; done
	out=$(sysd_q '"%d %.3f %d" % (len(pings), max([b - a for a, b in zip(pings, pings[1:])] or [9]), len(expiries))')
	detail "after 5 s: pings, the longest gap (s), watchdog expiries: $out"
	read -r n l0 l1 <<<"$out"
	((n >= 5)) || fail "only $n WATCHDOG=1 in the 5 s after READY=1 (want one a second)"
	[[ $(rtpp_json "$l0 < 1.5" <<<0) == true ]] || fail "a gap of $l0 s between two WATCHDOG=1 (want about 1 s)"
	((l1 == 0)) || fail "the watchdog (2 s) fired $l1 times while the proxy was well"
	sysd_stop
}

# A stalled worker makes the watchdog fire: the proxy runs with
# --debug-commands, idle workers sleeping between polls (idle_sleep_us:
# they still count as progressing) and WATCHDOG_USEC=1 s. Bad debug
# commands are refused. /rtpproxy/debug/stall_worker,0,8000 makes worker 0
# spin without polling for 8 s: its loop counter stops, STATUS= names it, the
# pings stop, and the stand-in sees the watchdog expire as systemd would,
# while the gRPC health check and telemetry still answer (the main loop is
# fine: it is the worker check). When the stall ends the pings resume, and
# media forwards again.
case_systemd_watchdog() {
	local out p l0 l1 n=500
	PROXY_IDLE_SLEEP=1000
	rtpp_topo_up "$CASE_TAG" || fail "topology setup failed (see the case log)"
	rtpp_write_config "$RTPP_DIR/rtpproxy.yaml" <<<"$SESSION_V4"
	rtpp_host_pin "$NS_A" "$PX_A_V4" "$(rtpp_px_mac pxa)" || fail "cannot pin the proxy's MAC in A"
	sysd_standin_start 1000000 50
	sysd_proxy_start 1000000 -c "$RTPP_DIR/rtpproxy.yaml" --debug-commands
	sysd_wait_ready 25

	for p in "" "0" "0,0" "1,100" "x,1" "0,600001" "0,100x" "-1,5" "0,,5"; do
		out=$(rtpp_tq "q('/rtpproxy/debug/stall_worker${p:+,$p}')")
		[[ $(rtpp_json '"error" in d and "worker" not in d' <<<"$out") == true ]] ||
			fail "stall_worker '$p' was not refused: $out"
	done
	# Idle workers sleep between polls and still ping.
	sleep 2.5
	read -r l0 l1 <<<"$(sysd_q '"%d %d" % (len(pings), len(expiries))')"
	((l0 >= 4 && l1 == 0)) || fail "idle, 2.5 s after READY=1: $l0 pings (want 5), $l1 watchdog expiries"
	out=$(rtpp_tq 'q("/rtpproxy/workers")["worker0"]["idle_sleeps"]')
	[[ $out =~ ^[0-9]+$ ]] && ((out > 0)) || fail "the idle worker did not sleep (idle_sleeps $out)"

	# The stall begins between T0 and T1 (the command's answer).
	T0=$(date +%s.%N)
	out=$(rtpp_tq 'q("/rtpproxy/debug/stall_worker,0,8000")')
	T1=$(date +%s.%N)
	export T0 T1
	[[ $(rtpp_json '"%s %s %s" % (d.get("worker"), d.get("lcore"), d.get("stall_ms"))' <<<"$out") == "0 1 8000" ]] ||
		fail "stall_worker,0,8000: $out"
	read -r l0 l1 <<<"$(rtpp_tq '(lambda a: (__import__("time").sleep(0.5), "%s %s" % (a,
		q("/rtpproxy/workers")["worker0"]["loops"]))[1])(q("/rtpproxy/workers")["worker0"]["loops"])')"
	[[ $l0 =~ ^[0-9]+$ && $l0 == "$l1" ]] || fail "worker 0 looped during its stall: loops $l0 then $l1"
	out=$(ctl health)
	[[ $(rtpp_json 'd["status"]' <<<"$out") == SERVING ]] || fail "gRPC health during the stall: $out"
	[[ $(sysd_q 'time.time() < T0 + 7.9') == true ]] ||
		fail "the health check answered, but only after the stall (too slow a host to tell)"
	# The stall ends 8 s after it began; give the pings 1.5 s to resume.
	while [[ $(sysd_q 'time.time() >= T1 + 9.5') != true ]]; do
		sleep 0.2
	done

	detail "around the stall (s after T0; T1 = T0 + $(sysd_q 'round(T1 - T0, 3)')): pings $(sysd_q '[round(p - T0, 2) for p in pings if -1 < p - T0 < 10]'), expiries $(sysd_q '[round(e - T0, 2) for e in expiries]')"
	# A check more than 0.5 s after the stall began sees no progress: no
	# ping from then until the stall ends, 8 s after it began.
	out=$(sysd_q '[round(p - T0, 3) for p in pings if T1 + 0.6 <= p <= T0 + 7.9]')
	[[ $out == "[]" ]] || fail "WATCHDOG=1 during the stall (s after it began): $out"
	# The last ping came at most 0.5 s after the stall began: the watchdog
	# fires 1 s later, between 0.5 and 1.5 s into the stall.
	out=$(sysd_q '[round(e - T0, 3) for e in expiries]')
	[[ $(sysd_q 'len(expiries) == 1 and T0 + 0.4 <= expiries[0] <= T1 + 1.7') == true ]] ||
		fail "the watchdog should have fired once, 0.5 to 1.5 s into the stall; expiries at $out s after the command"
	out=$(sysd_q '[s for w, s in statuses if w >= T0]')
	[[ $(rtpp_json 'len(d) == 2 and d[0].startswith("stalled: worker 0 (lcore 1) made no progress in ") and d[0].endswith("; watchdog pings stopped") and d[1].startswith("forwarding: ")' <<<"$out") == true ]] ||
		fail "STATUS= lines since the stall: $out"
	out=$(sysd_q '[round(p - T0, 3) for p in pings if p >= T0 + 8.0]')
	[[ $(sysd_q '[p for p in pings if T0 + 8.0 <= p <= T1 + 9.0] != []') == true ]] ||
		fail "the pings did not resume within 1 s of the stall's end: pings at $out s after the command"
	relay rtp "$B_V4:40000" "$PX_B_V4:30000" "$PX_A_V4:20000" "$A_V4:50000" $n 1000 62
	sysd_stop
}

ALL_CASES+=(systemd_notify systemd_watchdog)

# The unit's sandbox held to what the proxy really does. The proxy runs with
# the unit's CapabilityBoundingSet= (setpriv; the unit runs it as root, so
# these are all it has) and no new privileges, under strace, and does what
# it does in service: forwards RTP, answers ping through its TAP port,
# serves gRPC (health, a session created and destroyed) and telemetry,
# stops on SIGTERM with exit 0. Then every system call it made must be in
# the unit's SystemCallFilter= (expanded by systemd-analyze), every socket
# of a family in RestrictAddressFamilies=, no mapping writable and
# executable nor mprotect(PROT_EXEC) (MemoryDenyWriteExecute=), no write
# under /proc/sys or /sys (ProtectKernelTunables=, ProtectControlGroups=),
# no file written outside what ProtectSystem=strict leaves writable (/dev,
# /proc/self, /tmp, the RuntimeDirectory=), nothing under /home or /root
# (ProtectHome=). A change that needs more fails here, not on a host.
case_systemd_sandbox() {
	command -v strace >/dev/null 2>&1 || skip "strace is not installed (usertools/setup installs it)"
	command -v systemd-analyze >/dev/null 2>&1 ||
		skip "systemd-analyze is not installed (usertools/setup installs systemd)"
	local unit=$SYSD_UNIT_DIR/rtpproxy.service caps trace tracer i out id rc
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
	[[ -n $caps ]] || fail "no CapabilityBoundingSet= in $unit"
	caps=$(tr 'A-Z ' 'a-z,' <<<"$caps" | sed 's/cap_/+/g')
	rtpp_topo_up "$CASE_TAG" || fail "topology setup failed (see the case log)"
	rtpp_write_config "$RTPP_DIR/rtpproxy.yaml" <<<"$SESSION_V4"
	PROXY_LOG=$RTPP_DIR/proxy.log
	trace=$RTPP_DIR/strace
	ip netns exec "$NS_PX" setpriv --bounding-set="-all,$caps" --inh-caps=-all --no-new-privs \
		strace -f -qq -o "$trace" "$BIN" -l 0-1 --file-prefix "$RTPP_PREFIX" --no-pci \
		"${RTPP_EAL_MEM[@]}" -- -c "$RTPP_DIR/rtpproxy.yaml" </dev/null >"$PROXY_LOG" 2>&1 &
	tracer=$!
	for ((i = 0; i < 100; i++)); do
		PROXY_PID=$(pgrep -P "$tracer" | head -n 1)
		[[ -n $PROXY_PID ]] && break
		sleep 0.05
	done
	[[ -n $PROXY_PID ]] || fail "strace started no proxy: $(head -c 300 "$PROXY_LOG")"
	rtpp_proxy_wait_ready 40 "$B_V4" ||
		fail "the proxy in the unit's sandbox is not ready: $RTPP_READY_WHY"
	out=$(sed -n 's/^CapBnd:\s*//p' "/proc/$PROXY_PID/status")
	detail "capabilities: bounding set $out ($caps) of PID $PROXY_PID"
	[[ $out =~ ^[0-9a-f]+$ && $(sed -n 's/^CapEff:\s*//p' "/proc/$PROXY_PID/status") == "$out" ]] ||
		fail "effective capabilities are not the bounding set: $(grep ^Cap "/proc/$PROXY_PID/status" | tr '\n' ' ')"

	relay rtp "$B_V4:40000" "$PX_B_V4:30000" "$PX_A_V4:20000" "$A_V4:50000" 2000 2000 63
	out=$(timeout 15 ip netns exec "$NS_A" ping -n -q -c 3 -i 0.2 -W 2 -w 8 "$PX_A_V4" 2>&1)
	grep -q ' 3 received' <<<"$out" || fail "ping through the TAP port: $out"
	out=$(ctl health)
	[[ $(rtpp_json 'd["status"]' <<<"$out") == SERVING ]] || fail "gRPC health: $out"
	out=$(ctl create "$PX_A_V4:0" "$PX_B_V4:0" "$B_V4:41000" --name sandboxed)
	id=$(rtpp_json 'd["id"]' <<<"$out") || fail "CreateSession: $out"
	out=$(ctl destroy "$id")
	[[ $(rtpp_json 'd.get("close_reason")' <<<"$out") == destroyed ]] || fail "DestroySession: $out"
	[[ $(rtpp_tq 'q("/rtpproxy/info")["state"]') == running ]] || fail "telemetry /rtpproxy/info"

	kill -TERM "$PROXY_PID"
	rtpp_wait_pid "$tracer" 20
	rc=$?
	PROXY_PID=
	((rc == 0)) || fail "the proxy in the unit's sandbox exited $rc on SIGTERM: $(rtpp_proxy_log_tail 3)"

	out=$(UNIT=$unit TRACE=$trace PREFIX=$RTPP_PREFIX "$PYTHON" - <<'PYEOF'
import os, re, subprocess
unit = open(os.environ["UNIT"]).read()
def setting(name):
    return " ".join(v for k, _, v in (l.partition("=") for l in unit.splitlines()) if k == name).split()
def expand(item, seen=set()):
    if not item.startswith("@"):
        return {item}
    if item in seen:
        return set()
    seen.add(item)
    out = subprocess.run(["systemd-analyze", "syscall-filter", item], capture_output=True,
                         text=True, check=True).stdout
    names = set()
    for line in out.splitlines()[1:]:
        line = line.strip()
        if line and not line.startswith("#"):
            names |= expand(line)
    return names
allowed, denied = set(), set()
for item in setting("SystemCallFilter"):
    if item.startswith("~"):
        denied |= expand(item[1:])
    else:
        allowed |= expand(item)
families = set(setting("RestrictAddressFamilies"))
call = re.compile(r"^\d+\s+([a-z0-9_]+)\((.*)$")
resumed = re.compile(r"^\d+\s+<\.\.\. ([a-z0-9_]+) resumed>")
writable = ("/dev/", "/proc/self/", "/proc/thread-self/", "/tmp/", "/var/tmp/",
            "/run/dpdk/%s/" % os.environ["PREFIX"], "/var/run/dpdk/%s/" % os.environ["PREFIX"],
            "/run/rtpproxy/")
# RuntimeDirectory= makes these before the start (EAL's mkdir finds them: EEXIST).
made = ("/run/dpdk", "/var/run/dpdk", "/run/dpdk/" + os.environ["PREFIX"],
        "/var/run/dpdk/" + os.environ["PREFIX"], "/run/rtpproxy")
fails_softly = bool(setting("SystemCallErrorNumber"))
outside, outside_ok = {}, set()
problems, calls, seen_families = [], set(), set()
def problem(text):
    if text not in problems and len(problems) < 20:
        problems.append(text)
for line in open(os.environ["TRACE"]):
    m = resumed.match(line)
    if m:
        calls.add(m.group(1))
        continue
    m = call.match(line)
    if not m:
        continue
    name, args = m.groups()
    calls.add(name)
    if allowed and name not in allowed or name in denied:
        # Outside the filter, the call fails with SystemCallErrorNumber=
        # (instead of killing the proxy). One that failed here already (a
        # capability the unit does not grant, a kernel without it), which
        # the proxy survived, changes nothing.
        outside.setdefault(name, line.strip()[:160])
        if not (fails_softly and re.search(r"= -1 E[A-Z]+ ", line)):
            outside_ok.add(name)
    if name == "socket":
        fam = args.split(",")[0]
        seen_families.add(fam)
        if fam not in families:
            problem("socket(%s) is outside RestrictAddressFamilies=" % fam)
    if "MemoryDenyWriteExecute=yes" in unit:
        if name in ("mmap", "mmap2") and "PROT_WRITE" in args and "PROT_EXEC" in args:
            problem("a writable and executable mapping: " + line.strip()[:160])
        if name in ("mprotect", "pkey_mprotect") and "PROT_EXEC" in args:
            problem("mprotect with PROT_EXEC: " + line.strip()[:160])
    pm = re.match(r'(?:AT_FDCWD, )?"([^"]*)"', args.split("openat(", 1)[-1]) if name in (
        "open", "openat", "mkdir", "mkdirat", "unlink", "unlinkat", "rename", "renameat",
        "renameat2", "creat", "truncate", "bind") else None
    if name in ("open", "openat") and pm and not re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC", args):
        pm = None  # a read
    if pm and pm.group(1).startswith("/") and not line.rstrip().endswith(("ENOENT (No such file or directory)",)):
        path = pm.group(1).rstrip("/")
        if name == "bind" or name in ("mkdir", "mkdirat") and path in made:
            pass
        elif path.startswith(("/proc/sys/", "/sys/")):
            problem("writes %s (ProtectKernelTunables=/ProtectControlGroups=): %s" % (path, line.strip()[:120]))
        elif not (path + "/").startswith(writable):
            problem("writes %s, read-only under ProtectSystem=strict" % path)
    if re.search(r'"/(home|root|run/user)(/|")', args):
        problem("reaches %s (ProtectHome=)" % re.search(r'"(/(home|root|run/user)[^"]*)"', args).group(1))
for name in sorted(outside):
    if name in outside_ok:
        problem("system call %s is outside SystemCallFilter=: %s" % (name, outside[name]))
print("%d distinct system calls; socket families %s; outside the filter but failing "
      "anyway: %s" % (len(calls), " ".join(sorted(seen_families)),
                      " ".join(sorted(set(outside) - outside_ok)) or "none"))
for p in problems:
    print("PROBLEM " + p)
PYEOF
)
	detail "strace: $(head -n 1 <<<"$out")"
	grep -q '^PROBLEM' <<<"$out" && fail "$(grep '^PROBLEM' <<<"$out" | sed 's/^PROBLEM //' | tr '\n' ';')"
	return 0
}

ALL_CASES+=(systemd_sandbox systemd_unit)

# The unit files as systemd reads them, on any host: `systemd-analyze
# verify` finds nothing in rtpproxy.service and rtpproxy-prepare.service
# (copies whose /usr/bin/rtpproxy is this build: verify wants the binaries
# of Exec lines to exist); `systemd-analyze security --offline` rates
# rtpproxy.service 3.0 ("OK") or better; the variables the units read are
# the ones rtpproxy.default sets, with the same defaults, and that file
# reads as an EnvironmentFile= (VARIABLE=value lines).
case_systemd_unit() {
	command -v systemd-analyze >/dev/null 2>&1 ||
		skip "systemd-analyze is not installed (usertools/setup installs systemd)"
	local dir=$RTPP_RUN_DIR/unit-$CASE_TAG f out score
	mkdir -p "$dir"
	for f in rtpproxy.service rtpproxy-prepare.service; do
		[[ -f $SYSD_UNIT_DIR/$f ]] || fail "no $SYSD_UNIT_DIR/$f"
		sed "s#/usr/bin/rtpproxy #$BIN #g" "$SYSD_UNIT_DIR/$f" >"$dir/$f"
	done
	grep -q "^ExecStart=$BIN " "$dir/rtpproxy.service" || fail "ExecStart= does not run /usr/bin/rtpproxy"
	out=$(cd "$dir" && systemd-analyze verify ./rtpproxy.service ./rtpproxy-prepare.service 2>&1)
	f=$?
	out=$(grep -i 'rtpproxy' <<<"$out") # not what it says of the host's own units
	((f == 0)) && [[ -z $out ]] || fail "systemd-analyze verify (exit $f): $(tr '\n' ' ' <<<"$out")"
	out=$(SYSTEMD_COLORS=0 systemd-analyze security --offline=true "$dir/rtpproxy.service" 2>&1 |
		tail -n 1 | sed 's/\x1b\[[0-9;]*m//g')
	score=$(grep -oE 'rtpproxy.service: [0-9.]+' <<<"$out" | grep -oE '[0-9.]+$')
	detail "systemd-analyze security: $out"
	[[ $score =~ ^[0-9.]+$ && $(rtpp_json "$score <= 3.0" <<<0) == true ]] ||
		fail "systemd-analyze security rates the unit '$out' (want 3.0 or better)"
	out=$(DIR=$SYSD_UNIT_DIR "$PYTHON" - <<'PYEOF'
import os, re, shlex
d = os.environ["DIR"]
def env_file(path):
    values = {}
    for n, line in enumerate(open(path), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
        if not m:
            print("PROBLEM %s:%d: not VARIABLE=value: %s" % (path, n, line))
            continue
        words = shlex.split(m.group(2))
        values[m.group(1)] = " ".join(words)
    return values
defaults = env_file(os.path.join(d, "rtpproxy.default"))
for unit in ("rtpproxy.service", "rtpproxy-prepare.service"):
    text = open(os.path.join(d, unit)).read()
    used = set(re.findall(r"\$\$?\{?(RTPPROXY_[A-Z_]+)", text))
    given = {}
    for line in text.splitlines():
        if line.startswith("Environment="):
            for word in shlex.split(line[len("Environment="):]):
                k, _, v = word.partition("=")
                given[k] = v
    if "EnvironmentFile=-/etc/default/rtpproxy" not in text:
        print("PROBLEM %s does not read /etc/default/rtpproxy" % unit)
    for v in sorted(used - set(defaults)):
        print("PROBLEM %s reads %s, which rtpproxy.default does not set" % (unit, v))
    for v in sorted(used - set(given)):
        print("PROBLEM %s reads %s without an Environment= default" % (unit, v))
    for v in sorted(set(given) & set(defaults)):
        if given[v] != defaults[v]:
            print("PROBLEM %s: %s defaults to '%s', rtpproxy.default says '%s'" % (unit, v, given[v], defaults[v]))
    defaults_used = globals().setdefault("all_used", set())
    defaults_used |= used
for v in sorted(set(defaults) - all_used):
    print("PROBLEM rtpproxy.default sets %s, which no unit reads" % v)
PYEOF
)
	grep -q '^PROBLEM' <<<"$out" && fail "$(grep '^PROBLEM' <<<"$out" | sed 's/^PROBLEM //' | tr '\n' ';')"
	return 0
}

# The unit under real systemd, where PID 1 is systemd (SKIP elsewhere: the
# build and CI machines). A copy of config/systemd/rtpproxy.service, changed
# only where a test must (this build's binary, the test's DPDK file prefix
# and runtime directory, an environment file of the test's, the proxy's
# namespace as NetworkNamespacePath=, WatchdogSec=2s) and installed in
# /run/systemd/system: `systemctl start` returns once READY=1 came
# (ExecStartPre's --check passed), the unit is active with the STATUS= text,
# RTP forwards, the sandbox holds; a worker stalled for 8 s makes systemd
# fire the watchdog (Result watchdog, SIGABRT) and Restart= start it again,
# READY once more; `systemctl stop` ends it.
sysd_show() { systemctl show -p "$2" --value "$1" 2>/dev/null; }

case_systemd_real() {
	local pid1 unit name dir etc i out main0 main1
	pid1=$(ps -p 1 -o comm= 2>/dev/null)
	[[ -d /run/systemd/system ]] ||
		skip "PID 1 is ${pid1:-unknown}, not systemd (systemd_notify, systemd_watchdog and systemd_unit cover this host)"
	command -v systemctl >/dev/null 2>&1 || skip "no systemctl"
	rtpp_topo_up "$CASE_TAG" || fail "topology setup failed (see the case log)"
	rtpp_host_pin "$NS_A" "$PX_A_V4" "$(rtpp_px_mac pxa)" || fail "cannot pin the proxy's MAC in A"
	name=rtpp-test-$CASE_TAG
	unit=/run/systemd/system/$name.service
	dir=/run/systemd/system/$name.service.d
	etc=/run/$name # the unit's PrivateTmp= hides the run directory in /tmp
	# shellcheck disable=SC2064 # the names are fixed now
	trap "systemctl stop $name.service 2>/dev/null; rm -rf $unit $dir $etc; systemctl daemon-reload" EXIT
	mkdir -p "$etc"
	rtpp_write_config "$etc/rtpproxy.yaml" <<<"$SESSION_V4"
	{
		printf 'RTPPROXY_CONFIG=%s\n' "$etc/rtpproxy.yaml"
		printf 'RTPPROXY_EAL_OPTS="-l 0-1 --no-pci %s"\n' "${RTPP_EAL_MEM[*]}"
		printf 'RTPPROXY_OPTS="--debug-commands"\n'
	} >"$etc/environment"
	sed -e "s#/usr/bin/rtpproxy#$BIN#g" \
		-e "s#--file-prefix=$SYSD_UNIT_PREFIX #--file-prefix=$RTPP_PREFIX #" \
		-e "s#^RuntimeDirectory=dpdk/$SYSD_UNIT_PREFIX #RuntimeDirectory=dpdk/$RTPP_PREFIX #" \
		-e "s#^EnvironmentFile=.*#EnvironmentFile=$etc/environment#" \
		-e "s#^WatchdogSec=.*#WatchdogSec=2s#" \
		"$SYSD_UNIT_DIR/rtpproxy.service" >"$unit"
	grep -q -- "--file-prefix=$RTPP_PREFIX " "$unit" && grep -q "^RuntimeDirectory=dpdk/$RTPP_PREFIX " "$unit" ||
		fail "the unit's file prefix and RuntimeDirectory= are not where this test expects them"
	mkdir -p "$dir"
	printf '[Service]\nNetworkNamespacePath=/run/netns/%s\n' "$NS_PX" >"$dir/test.conf"
	systemctl daemon-reload
	out=$(timeout 60 systemctl start "$name.service" 2>&1) ||
		fail "systemctl start: $out; $(journalctl -u "$name" -n 15 --no-pager 2>&1 | tr '\n' '|')"
	[[ $(sysd_show "$name" ActiveState)/$(sysd_show "$name" SubState) == active/running ]] ||
		fail "after start: $(sysd_show "$name" ActiveState)/$(sysd_show "$name" SubState)"
	out=$(sysd_show "$name" StatusText)
	[[ $out == "forwarding: 1 workers, API on 127.0.0.1:50051"* ]] || fail "StatusText: $out"
	main0=$(sysd_show "$name" MainPID)
	PROXY_PID=$main0
	relay rtp "$B_V4:40000" "$PX_B_V4:30000" "$PX_A_V4:20000" "$A_V4:50000" 1000 1000 64
	sleep 3 # a few watchdog periods with no fault
	[[ $(sysd_show "$name" NRestarts) == 0 ]] || fail "restarted without a fault: $(sysd_show "$name" NRestarts)"

	out=$(rtpp_tq 'q("/rtpproxy/debug/stall_worker,0,8000")')
	[[ $(rtpp_json 'd.get("stall_ms")' <<<"$out") == 8000 ]] || fail "stall_worker,0,8000: $out"
	for ((i = 0; i < 150; i++)); do
		[[ $(sysd_show "$name" NRestarts) -ge 1 ]] && break
		sleep 0.1
	done
	[[ $(sysd_show "$name" NRestarts) -ge 1 ]] ||
		fail "no restart within 15 s of a stalled worker: $(sysd_show "$name" ActiveState) $(sysd_show "$name" Result)"
	journalctl -u "$name" --no-pager 2>/dev/null | grep -q 'Watchdog timeout' ||
		fail "the restart was not the watchdog's: $(journalctl -u "$name" -n 10 --no-pager | tr '\n' '|')"
	for ((i = 0; i < 300; i++)); do
		[[ $(sysd_show "$name" ActiveState)/$(sysd_show "$name" SubState) == active/running ]] && break
		sleep 0.1
	done
	main1=$(sysd_show "$name" MainPID)
	[[ $(sysd_show "$name" ActiveState) == active && $main1 != "$main0" && $main1 != 0 ]] ||
		fail "after the watchdog: $(sysd_show "$name" ActiveState)/$(sysd_show "$name" SubState), main PID $main0 -> $main1"
	out=$(timeout 30 systemctl stop "$name.service" 2>&1) || fail "systemctl stop: $out"
	[[ $(sysd_show "$name" ActiveState) == inactive ]] || fail "after stop: $(sysd_show "$name" ActiveState)"
	PROXY_PID=
}

ALL_CASES+=(systemd_real)
