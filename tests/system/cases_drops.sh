# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Every drop is visible: frames the host dropped before the proxy saw them
# (the af_packet receive ring overflowing while the worker sleeps or falls
# behind) are read by the proxy from the kernel and reported, by reason,
# beside its own drops: telemetry /rtpproxy/ports and GetStatistics
# (rtpproxyctl stats). Sourced by run.sh, which has the helpers.

# kstat NS DEV FIELD: a kernel interface's counter (/sys/class/net/DEV/statistics/FIELD).
kstat() { in_ns "$1" cat "/sys/class/net/$2/statistics/$3" 2>/dev/null || echo "?"; }

# host_drops_tel IFACE: "ring sockets missed errors nombuf" of IFACE in telemetry.
host_drops_tel() {
	HI=$1 rtpp_tq '(lambda p: "%s %s %s %s %s" % (p["host_ring_dropped"], p["host_ring_sockets"],
		p["nic_missed"], p["nic_rx_errors"], p["nic_rx_nombuf"]))(q("/rtpproxy/ports")[os.environ["HI"]])' ||
		echo "? ? ? ? ?"
}

# host_drops_ctl IFACE: the same through GetStatistics (rtpproxyctl stats --json --interface).
host_drops_ctl() {
	ctl stats --interface "$1" | rtpp_json '(lambda p: "%s %s %s %s %s" % (p["host_ring_dropped"],
		p["host_ring_sockets"], p["nic_missed"], p["nic_rx_errors"], p["nic_rx_nombuf"]))(
		d["interfaces"][0])' 2>/dev/null || echo "? ? ? ? ?"
}

# Where else a datagram of A's stream could be lost on its way to B's socket,
# each a kernel counter (summed): A's veth and pxa before af_packet's tap
# (backlog drops), pxb and B's veth after the proxy, B's UDP (buffer, errors).
drops_elsewhere() {
	local v t=0
	for v in "$(kstat "$NS_A" eth0 tx_dropped)" "$(kstat "$NS_PX" pxa rx_dropped)" \
		"$(kstat "$NS_PX" pxb tx_dropped)" "$(kstat "$NS_B" eth0 rx_dropped)" \
		"$(rtpp_snmp "$NS_B" Udp RcvbufErrors)" "$(rtpp_snmp "$NS_B" Udp InErrors)"; do
		[[ $v =~ ^[0-9]+$ ]] || {
			echo "?"
			return
		}
		t=$((t + v))
	done
	echo "$t"
}

# flow_figures NAME: "rx tx rtp_lost" of the session's a_to_b flow (telemetry).
flow_figures() {
	SN=$1 rtpp_tq '(lambda f: "%s %s %s" % (f["rx_packets"], f["tx_packets"], f["rtp_lost"]))(
		session(os.environ["SN"])["a_to_b"])' || echo "? ? ?"
}

# flow_drops NAME: the a_to_b flow's drop counters that are not 0, "reason=N ...".
flow_drops() {
	SN=$1 rtpp_tq '" ".join("%s=%s" % (k, v) for k, v in sorted(session(os.environ["SN"])["a_to_b"].items())
		if k.startswith("drop_") and v)' || echo "?"
}

# 1: a 32-frame af_packet ring (RX and TX) and a worker that sleeps 1 ms
# once idle (dataplane.idle_sleep_us): a burst of RTP at up to 100,000 pps
# overflows the ring each time the worker sleeps. What B's socket got,
# what the proxy dropped itself and what the kernel dropped before it
# (host_ring_dropped) make up every datagram A sent: sent - received =
# host drops + the proxy's own drops + what the other kernel counters show.
# (The proxy's own are mostly the session's default rate limit, 20,000 pps
# a direction: drop_rate_limit, counted on the flow.)
# The one tolerance: up to 5 more in host_ring_dropped, for frames of A's
# kernel (ARP, ND) that may land in the same full ring and are no RTP.
# The flow's sequence gaps as the proxy saw them (rtp_lost) are at most the
# ring's drops. Telemetry and GetStatistics report the same figures.
# ring_overflow_case QUEUES: QUEUES workers, so QUEUES af_packet sockets.
ring_overflow_case() {
	local queues=$1
	PROXY_DEVARGS=",framecnt=32"
	PROXY_IDLE_SLEEP=1000
	case_start "$SESSION_V4" "$B_V4"
	local n=20000 rp sent valid bad ring0 sockets missed errors nombuf ring1 ctl_figures
	local else0 else1 rx tx lost own unexplained rate
	read -r ring0 sockets missed errors nombuf <<<"$(host_drops_tel access)"
	[[ $sockets == "$queues" ]] ||
		fail "telemetry: access reads host_ring_dropped from '$sockets' af_packet sockets, want $queues (qpairs=$queues)"
	[[ $(host_drops_tel core) == "0 $queues 0 0 0" ]] ||
		fail "telemetry: core's host drops are '$(host_drops_tel core)' before any traffic, want '0 $queues 0 0 0'"
	else0=$(drops_elsewhere)
	rtpp_recv_start "$NS_B" rtp --bind $B_V4:40000 --expect-src $PX_B_V4:30000 --count $n \
		--pattern 61 --timeout 40 --idle-timeout 3 || fail "receiver did not start"
	rp=$RECV_PID
	sender rtp "$NS_A" --dst $PX_A_V4:20000 --src $A_V4:50000 --count $n --rate 100000 \
		--pattern 61 --timeout 20
	sender_ok rtp
	rtpp_wait_pid "$rp" 45
	[[ -s $RTPP_DIR/rtp.json ]] || fail "receiver wrote no summary: $(head -c 300 "$RTPP_DIR/rtp.out")"
	sent=$(rtpp_json 'd["sent"]' <"$RTPP_DIR/rtp.send.json")
	rate=$(rtpp_json 'd["rate_pps"]' <"$RTPP_DIR/rtp.send.json")
	# One queue keeps the order. Two do not: af_packet's fanout rolls a full
	# socket's frames over to the other, so one flow is spread over both
	# workers; nothing may be damaged or duplicated either way.
	read -r valid bad <<<"$(Q=$queues rtpp_json '"%d %d" % (d["valid"], d["received"] - d["valid"] +
		d["duplicates"] + (d["out_of_order"] if os.environ["Q"] == "1" else 0))' <"$RTPP_DIR/rtp.json")"
	((bad == 0)) || fail "B got damaged, duplicated, reordered or foreign datagrams: $(recv_line rtp)"
	sleep 0.5 # the last counters settle (the worker is idle, telemetry reads the kernel now)
	read -r ring1 sockets missed errors nombuf <<<"$(host_drops_tel access)"
	ctl_figures=$(host_drops_ctl access)
	else1=$(drops_elsewhere)
	read -r rx tx lost <<<"$(flow_figures t-v4)"
	detail "A sent $sent at $rate pps, B received $valid; access: host_ring_dropped $((ring1 - ring0)) (sockets $sockets, nic_missed $missed, nic_rx_errors $errors, nic_rx_nombuf $nombuf); flow a_to_b rx $rx tx $tx rtp_lost $lost, the proxy's drops: $(flow_drops t-v4); other kernel drops $else0 -> $else1; rtpproxyctl: $ctl_figures"
	[[ "$sent$valid$ring0$ring1$rx$tx$lost$else0$else1" =~ ^[0-9]+$ ]] ||
		fail "figures missing: sent '$sent' received '$valid' ring '$ring0'->'$ring1' flow '$rx $tx $lost' elsewhere '$else0'->'$else1'"
	[[ $ctl_figures == "$ring1 $sockets $missed $errors $nombuf" ]] ||
		fail "rtpproxyctl stats says '$ctl_figures' (ring sockets missed errors nombuf), telemetry '$ring1 $sockets $missed $errors $nombuf'"
	# And Prometheus's /metrics says the same (the default HTTP endpoint, loopback).
	local prom
	prom=$(in_ns "$NS_PX" "$PYTHON" -c '
import re, urllib.request
text = urllib.request.urlopen("http://127.0.0.1:8080/metrics", timeout=5).read().decode()
def sample(name, reason=None):
    labels = "interface=\"access\"" + (",reason=\"%s\"" % reason if reason else "")
    m = re.search(r"^rtpproxy_%s\{%s\} (\d+)$" % (name, re.escape(labels)), text, re.M)
    return m.group(1) if m else "?"
drops = "interface_host_dropped_packets_total"
print(sample(drops, "host_ring_dropped"), sample("interface_host_ring_sockets"),
      sample(drops, "nic_missed"), sample(drops, "nic_rx_errors"), sample(drops, "nic_rx_nombuf"))' 2>&1)
	[[ $prom == "$ring1 $sockets $missed $errors $nombuf" ]] ||
		fail "/metrics says '$prom' (ring sockets missed errors nombuf), telemetry '$ring1 $sockets $missed $errors $nombuf'"
	((sent == n)) || fail "A sent $sent of $n"
	# The overload happened: without it this case shows nothing.
	((ring1 - ring0 >= 100)) ||
		fail "the ring did not overflow: host_ring_dropped grew by $((ring1 - ring0)); $((sent - valid)) of $sent lost (A sent at $rate pps)"
	((missed == 0 && errors == 0 && nombuf == 0)) ||
		fail "af_packet's driver reported device drops: missed $missed errors $errors nombuf $nombuf"
	own=$((rx - tx))
	unexplained=$((sent - valid - own - (else1 - else0)))
	((unexplained <= ring1 - ring0 && ring1 - ring0 - unexplained <= 5)) ||
		fail "$((sent - valid)) of $sent lost: the proxy dropped $own itself, other kernel counters show $((else1 - else0)), which leaves $unexplained, but host_ring_dropped grew by $((ring1 - ring0))"
	((tx >= valid && tx - valid <= else1 - else0)) ||
		fail "the proxy sent $tx on the flow, B got $valid, and no kernel counter says where $((tx - valid)) went"
	# Sequence gaps are the sender's view of the same loss, with one worker
	# (with two, each worker's copy of the flow sees the other's packets as gaps).
	((queues > 1 || (lost > 0 && lost <= ring1 - ring0))) ||
		fail "the flow's sequence gaps (rtp_lost $lost) do not match the ring's drops ($((ring1 - ring0)))"
	case_stop
}

case_drops_ring_overflow() { ring_overflow_case 1; }

# 2: the same with two workers, so two queue pairs: af_packet opens a socket
# for each (a fanout group that rolls frames over to the other socket when
# one ring is full); both are found, and their drops add up.
case_drops_two_queues() {
	PROXY_LCORES="--lcores 0@0,1@1,2@1"
	PROXY_WORKERS=2
	ring_overflow_case 2
}

# 3: the same path without overload (the default 512-frame ring, a worker
# that never sleeps, 2,000 pps): every datagram arrives, and the proxy says
# so: host_ring_dropped 0 read from one live socket per interface, no device
# drops, in telemetry and GetStatistics alike.
case_drops_none() {
	case_start "$SESSION_V4" "$B_V4"
	local n=2000 iface tel ctl_figures
	relay rtp $B_V4:40000 $PX_B_V4:30000 $PX_A_V4:20000 $A_V4:50000 $n 2000 62
	expect_session t-v4 a_to_b $n
	for iface in access core; do
		tel=$(host_drops_tel $iface)
		ctl_figures=$(host_drops_ctl $iface)
		detail "$iface: telemetry '$tel', rtpproxyctl '$ctl_figures' (ring sockets missed errors nombuf)"
		[[ $tel == "0 1 0 0 0" ]] ||
			fail "telemetry: $iface host drops '$tel' (ring sockets missed errors nombuf), want '0 1 0 0 0'"
		[[ $ctl_figures == "0 1 0 0 0" ]] ||
			fail "rtpproxyctl stats: $iface host drops '$ctl_figures', want '0 1 0 0 0'"
	done
	# GetStatistics refuses an interface that is not configured, naming it.
	local out
	out=$(ctl stats --interface nosuch)
	[[ $(rtpp_json 'd.get("code", "") + " " + d.get("details", "")' <<<"$out") == 'INVALID_ARGUMENT interface: no interface called "nosuch"' ]] ||
		fail "stats --interface nosuch: $out"
	# The whole answer: both interfaces, the worker, the session.
	out=$(ctl stats)
	[[ $(rtpp_json '"%s %d/%d %d" % (" ".join(i["name"] for i in d["interfaces"]), d["sessions"],
		d["max_sessions"], len(d["workers"]))' <<<"$out") =~ ^"access core 1/"[0-9]+" 1"$ ]] ||
		fail "rtpproxyctl stats: $(head -c 400 <<<"$out")"
	case_stop
}

ALL_CASES+=(drops_ring_overflow drops_two_queues drops_none)
