# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
#
# Helpers for the rtpproxy system tests and the demo: network namespaces and
# veth pairs, starting and stopping the proxy, telemetry queries, traffic.
# Source it; it sets no traps itself (the caller does, see rtpp_cleanup_all).
#
# Topology made by rtpp_topo_up (names are per topology, see RTPP_TAG):
#
#   ns A (sender)              ns PX (proxy)                ns B (receiver)
#   eth0 203.0.113.10/24  <---> pxa [af_packet]  rtpproxy  [af_packet] pxb <---> eth0 198.51.100.20/24
#        2001:db8:a::10/64     TAP "access" 203.0.113.1    TAP "core" 198.51.100.1  2001:db8:b::20/64
#
# Only documentation prefixes are used, and only inside namespaces made here.

RTPP_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RTPP_SRC_ROOT=$(cd "$RTPP_LIB_DIR/../.." && pwd)
RTPTOOL=${RTPTOOL:-$RTPP_LIB_DIR/rtptool.py}
TELEMETRY=${TELEMETRY:-$RTPP_SRC_ROOT/usertools/rtpproxy-telemetry}
PYTHON=${PYTHON:-python3}
export PYTHONDONTWRITEBYTECODE=1

# Addresses of the topology (documentation ranges only).
A_V4=203.0.113.10
A_V6=2001:db8:a::10
B_V4=198.51.100.20
B_V6=2001:db8:b::20
PX_A_V4=203.0.113.1
PX_A_V6=2001:db8:a::1
PX_B_V4=198.51.100.1
PX_B_V6=2001:db8:b::1

# Where registries of created things live; the caller may set it first.
RTPP_RUN_DIR=${RTPP_RUN_DIR:-}
RTPP_EAL_MEM=()
PROXY_PID=
PROXY_RC=
PROXY_LOG=

rtpp_msg() { printf '%s\n' "$*" >&2; }
rtpp_debug() { [[ -n ${RTPP_VERBOSE:-} ]] && printf '[%s] %s\n' "$(date +%T.%3N)" "$*" >&2; return 0; }

# ------------------------------------------------------------------ setup

rtpp_require_root() {
	if [[ $(id -u) -ne 0 ]]; then
		rtpp_msg "SKIP: needs root (network namespaces, veth, tc, DPDK af_packet)"
		return 77
	fi
	local t
	for t in ip tc ethtool sysctl "$PYTHON" ping timeout; do
		if ! command -v "$t" >/dev/null 2>&1; then
			rtpp_msg "SKIP: '$t' is not installed"
			return 77
		fi
	done
	return 0
}

# rtpp_make_pki DIR CLIENT_SUBJECT: test certificates made with openssl in DIR:
# a CA (ca.pem), a server certificate for 127.0.0.1 (server.pem/.key), a
# client certificate with CLIENT_SUBJECT (client.pem/.key) both signed by
# the CA, and a self-signed one the CA did not sign (other.pem/.key).
# openssl's output goes to DIR/openssl.log; non-zero when openssl failed.
rtpp_make_pki() {
	local d=$1 subject=$2
	mkdir -p "$d"
	(
		cd "$d" &&
			openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 \
				-subj /CN=rtpp-test-ca &&
			openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
				-subj /CN=127.0.0.1 &&
			printf 'subjectAltName=IP:127.0.0.1\n' >server.ext &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
				-out server.pem -days 1 -extfile server.ext &&
			openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr \
				-subj "$subject" &&
			openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
				-out client.pem -days 1 &&
			openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 1 \
				-subj /CN=not-signed-by-the-ca
	) >"$d/openssl.log" 2>&1
}

rtpp_run_dir() {
	if [[ -z $RTPP_RUN_DIR ]]; then
		RTPP_RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/rtpp-sys.XXXXXX")
	fi
	mkdir -p "$RTPP_RUN_DIR"
	touch "$RTPP_RUN_DIR/topologies"
}

# Hugepages: mount hugetlbfs and reserve pages when we can; otherwise (or
# when RTPP_NO_HUGE=1) fall back to --no-huge. Sets RTPP_EAL_MEM.
# Leaves the reservation in place (a system setting, like the mount).
rtpp_setup_memory() {
	local want=${RTPP_HUGEPAGES:-512} free total
	RTPP_EAL_MEM=(--no-huge -m 1024)
	if [[ -n ${RTPP_NO_HUGE:-} ]]; then
		rtpp_debug "hugepages: disabled by RTPP_NO_HUGE"
		return 0
	fi
	if ! grep -q '^Hugepagesize:' /proc/meminfo; then
		rtpp_debug "hugepages: kernel without hugetlb"
		return 0
	fi
	if ! grep -qs ' hugetlbfs ' /proc/mounts; then
		mkdir -p /dev/hugepages 2>/dev/null
		mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null ||
			rtpp_debug "hugepages: cannot mount hugetlbfs"
	fi
	if ! grep -qs ' hugetlbfs ' /proc/mounts; then
		return 0
	fi
	free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	total=$(awk '/^HugePages_Total:/ {print $2}' /proc/meminfo)
	if ((free < want)); then
		echo $((total + want - free)) >/proc/sys/vm/nr_hugepages 2>/dev/null
		free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	fi
	# 2 MiB pages: 256 of them (512 MiB) is plenty for one proxy.
	if ((free >= 256)); then
		RTPP_EAL_MEM=()
		rtpp_debug "hugepages: $free free"
	else
		rtpp_debug "hugepages: only $free free, using --no-huge"
	fi
}

# Run a command in a namespace.
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# rtpp_topo_up TAG: make namespaces rtpp-TAG-{px,a,b} and the two veth pairs.
# Sets RTPP_TAG NS_PX NS_A NS_B RTPP_PREFIX RTPP_DIR.
rtpp_topo_up() {
	local tag=$1 ns i
	rtpp_run_dir
	RTPP_TAG=$tag
	NS_PX=rtpp-$tag-px
	NS_A=rtpp-$tag-a
	NS_B=rtpp-$tag-b
	RTPP_PREFIX=rtpp-sys-$tag
	RTPP_DIR=$RTPP_RUN_DIR/$tag
	mkdir -p "$RTPP_DIR"
	# Registered before anything exists so that a cleanup always finds it.
	echo "$tag" >>"$RTPP_RUN_DIR/topologies"
	for ns in "$NS_PX" "$NS_A" "$NS_B"; do
		if ip netns list | grep -qw -- "$ns"; then
			rtpp_msg "namespace $ns already exists (a stale run?)"
			return 1
		fi
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up || return 1
	done
	# Create each pair directly in its two namespaces: nothing in the root one.
	ip -n "$NS_PX" link add pxa type veth peer name eth0 netns "$NS_A" || return 1
	ip -n "$NS_PX" link add pxb type veth peer name eth0 netns "$NS_B" || return 1

	# PX: the proxy owns pxa/pxb through af_packet. The kernel of PX must not
	# also handle what arrives there (it would answer ARP for the TAP's
	# addresses with pxa's MAC, send RSTs/ICMP...): packet taps see frames
	# before tc ingress, so a drop-all ingress filter leaves them to the
	# proxy alone. No IPv6 on them, so the kernel sends no RS/MLD/DAD there.
	for i in pxa pxb; do
		in_ns "$NS_PX" sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1" || return 1
		rtpp_ingress_drop "$NS_PX" "$i" || return 1
		in_ns "$NS_PX" ethtool -K "$i" gro off >/dev/null 2>&1
		ip -n "$NS_PX" link set "$i" up || return 1
	done

	# A and B: plain hosts. Checksums computed in software (a veth with tx
	# checksum offload hands the peer a CHECKSUM_PARTIAL skb, which af_packet
	# shows to the proxy with the UDP checksum not yet filled in).
	_rtpp_host_up "$NS_A" "$A_V4/24" "$A_V6/64" || return 1
	_rtpp_host_up "$NS_B" "$B_V4/24" "$B_V6/64" || return 1
	rtpp_debug "topology $tag up: $NS_A <-> $NS_PX <-> $NS_B"
}

# rtpp_ingress_drop NS DEV: drop everything the kernel would receive on DEV
# (af_packet sockets still get it: taps run before tc ingress). matchall +
# gact where the kernel has them; else a cls_bpf direct-action filter whose
# classic BPF program is "ret #2" (TC_ACT_SHOT), which needs no action module.
rtpp_ingress_drop() {
	local ns=$1 dev=$2
	tc -n "$ns" qdisc add dev "$dev" clsact || return 1
	tc -n "$ns" filter add dev "$dev" ingress pref 1 protocol all \
		matchall action drop 2>/dev/null && return 0
	tc -n "$ns" filter add dev "$dev" ingress pref 1 protocol all \
		bpf da bytecode '1,6 0 0 2,' 2>/dev/null && return 0
	rtpp_msg "cannot install a tc ingress drop on $dev: the kernel has neither" \
		"cls_matchall+act_gact nor cls_bpf"
	return 1
}

_rtpp_host_up() {
	local ns=$1 v4=$2 v6=$3
	in_ns "$ns" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 \
		net.ipv6.conf.eth0.accept_ra=0 \
		net.ipv6.conf.eth0.router_solicitations=0 >/dev/null || return 1
	in_ns "$ns" ethtool -K eth0 tx off >/dev/null 2>&1 || {
		rtpp_msg "ethtool -K eth0 tx off failed in $ns"
		return 1
	}
	ip -n "$ns" addr add "$v4" dev eth0 || return 1
	ip -n "$ns" addr add "$v6" dev eth0 nodad || return 1
	ip -n "$ns" link set eth0 up || return 1
}

# Kill every process in a namespace, by PID: TERM, then KILL.
_rtpp_kill_ns_pids() {
	local ns=$1 pids n
	for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		pids=$(ip netns pids "$ns" 2>/dev/null | grep -vx "$$")
		[[ -z $pids ]] && return 0
		if ((n == 1)); then
			kill -TERM $pids 2>/dev/null
		elif ((n == 15)); then
			kill -KILL $pids 2>/dev/null
		fi
		sleep 0.2
	done
	return 1
}

# rtpp_topo_down TAG: remove everything of that topology. Idempotent.
rtpp_topo_down() {
	local tag=${1:-$RTPP_TAG} ns prefix
	[[ -z $tag ]] && return 0
	# -x: the attacker host some media cases add beside A.
	for ns in "rtpp-$tag-px" "rtpp-$tag-a" "rtpp-$tag-b" "rtpp-$tag-x"; do
		if [[ -e /var/run/netns/$ns ]] || ip netns list 2>/dev/null | grep -qw -- "$ns"; then
			_rtpp_kill_ns_pids "$ns"
			ip netns del "$ns" 2>/dev/null
		fi
	done
	# DPDK's runtime directory and hugepage files of that prefix.
	prefix=rtpp-sys-$tag
	rm -rf "/var/run/dpdk/$prefix"
	while read -r _ mnt fstype _; do
		[[ $fstype == hugetlbfs ]] && rm -f "$mnt/${prefix}map_"*
	done </proc/mounts
	return 0
}

# Tear down every topology this run registered (for EXIT traps).
rtpp_cleanup_all() {
	local tag
	[[ -n $RTPP_RUN_DIR && -f $RTPP_RUN_DIR/topologies ]] || return 0
	while read -r tag; do
		[[ -n $tag ]] && rtpp_topo_down "$tag"
	done <"$RTPP_RUN_DIR/topologies"
	: >"$RTPP_RUN_DIR/topologies"
}

# ------------------------------------------------------------------ proxy

rtpp_pid_alive() {
	local st
	[[ -n $1 && -r /proc/$1/stat ]] || return 1
	st=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $st && $st != Z && $st != X ]]
}

# rtpp_proxy_start BIN [APP ARGS...]: start the proxy in NS_PX in the
# background; EAL arguments come first. Sets PROXY_PID, PROXY_LOG.
rtpp_proxy_start() {
	local bin=$1
	shift
	PROXY_LOG=$RTPP_DIR/proxy.log
	PROXY_RC=
	# PROXY_LCORES: EAL lcore option (default one main lcore + one worker)
	local lcores
	read -r -a lcores <<<"${PROXY_LCORES:--l 0-1}"
	rtpp_debug "start: $bin ${lcores[*]} --file-prefix $RTPP_PREFIX --no-pci ${RTPP_EAL_MEM[*]} -- $*"
	# ip netns exec execs the binary: $! is the proxy itself.
	ip netns exec "$NS_PX" "$bin" "${lcores[@]}" --file-prefix "$RTPP_PREFIX" --no-pci \
		"${RTPP_EAL_MEM[@]}" -- "$@" </dev/null >"$PROXY_LOG" 2>&1 &
	PROXY_PID=$!
	echo "$PROXY_PID" >"$RTPP_DIR/proxy.pid"
}

# rtpp_tele ARGS...: telemetry of this topology's proxy, JSON on stdout.
rtpp_tele() {
	timeout 10 "$PYTHON" "$TELEMETRY" --file-prefix "$RTPP_PREFIX" --json "$@" 2>>"$RTPP_DIR/telemetry.err"
}

# rtpp_tq EXPR: one Python process that talks to this topology's proxy and
# prints EXPR, evaluated with q(COMMAND) (a telemetry command's data),
# session(NAME) (the /rtpproxy/session data of a named session or None) and
# os, json at hand; containers are printed as JSON. Python start-up is the
# cost on a machine whose second core a polling worker takes: one process
# per question, not one per command.
rtpp_tq() {
	RTPP_TEL_PATH=$TELEMETRY RTPP_TEL_PREFIX=$RTPP_PREFIX timeout 10 "$PYTHON" - "$1" \
		2>>"$RTPP_DIR/telemetry.err" <<'PYEOF'
import importlib.machinery, importlib.util, ipaddress, json, os, sys
sys.dont_write_bytecode = True
loader = importlib.machinery.SourceFileLoader("rtpp_telemetry", os.environ["RTPP_TEL_PATH"])
spec = importlib.util.spec_from_loader("rtpp_telemetry", loader)
tel = importlib.util.module_from_spec(spec)
loader.exec_module(tel)
c = tel.Client(os.environ["RTPP_TEL_PREFIX"])
def q(cmd):
    return c.query(cmd)
def session(name):
    for i in q("/rtpproxy/sessions") or []:
        s = q("/rtpproxy/session,%s" % i)
        if isinstance(s, dict) and s.get("name") == name:
            return s
    return None
def norm(a):
    try:
        return str(ipaddress.ip_address(a))
    except ValueError:
        return a
r = eval(sys.argv[1])
print(json.dumps(r) if isinstance(r, (dict, list, bool)) or r is None else r)
PYEOF
}

# rtpp_json EXPR: evaluate a Python expression over the JSON on stdin (as d).
rtpp_json() {
	"$PYTHON" -c '
import json, os, sys, ipaddress
d = json.load(sys.stdin)
def norm(a):
    try: return str(ipaddress.ip_address(a))
    except ValueError: return a
r = eval(sys.argv[1])
print(json.dumps(r) if isinstance(r, (dict, list, bool)) or r is None else r)
' "$1"
}

# rtpp_neigh_reachable JSON ADDR...: true when every ADDR is a "reachable"
# neighbour in a /rtpproxy/neighbours answer. Takes the list form
# [{"iface","addr","mac","state"}...] and the dict form {"<key>": {...}}.
rtpp_neigh_reachable() {
	local json=$1
	shift
	[[ -n $json ]] || return 1
	ADDRS="$*" rtpp_json '
all(any(norm(n.get("addr", "")) == norm(a) and n.get("state") == "reachable"
        for n in (d.values() if isinstance(d, dict) else d) if isinstance(n, dict))
    for a in os.environ["ADDRS"].split())' <<<"$json" 2>/dev/null | grep -qx true
}

# rtpp_peer_has_proxy ADDR: has the host owning ADDR (A or B) a neighbour
# entry for the proxy's address on its link? It gets one when the proxy's
# ARP request / neighbour solicitation reaches it: the proxy asked and the
# host answered, whatever the proxy's telemetry says.
rtpp_peer_has_proxy() {
	local ns px
	case $1 in
	203.0.113.*) ns=$NS_A px=$PX_A_V4 ;;
	198.51.100.*) ns=$NS_B px=$PX_B_V4 ;;
	2001:db8:a:*) ns=$NS_A px=$PX_A_V6 ;;
	2001:db8:b:*) ns=$NS_B px=$PX_B_V6 ;;
	*) return 1 ;;
	esac
	ip -n "$ns" neigh show to "$px" dev eth0 2>/dev/null | grep -q lladdr
}

# rtpp_proxy_wait_ready TIMEOUT [ADDR...]: until /rtpproxy/info says running
# and every ADDR is a "reachable" neighbour. 0 ready, 1 timeout, 2 died.
# When the telemetry never lists the neighbours but the hosts show that the
# proxy resolved them (rtpp_peer_has_proxy) for 3 s, it is ready too, and
# RTPP_READY_NOTE says so (the telemetry is then checked by a case itself).
rtpp_proxy_wait_ready() {
	local timeout=$1 deadline info neigh addrs a peers_since=
	shift
	addrs="$*"
	deadline=$((SECONDS + timeout))
	RTPP_READY_WHY="no telemetry answer"
	RTPP_READY_NOTE=
	while ((SECONDS < deadline)); do
		if ! rtpp_pid_alive "$PROXY_PID"; then
			wait "$PROXY_PID" 2>/dev/null
			PROXY_RC=$?
			RTPP_READY_WHY="the proxy exited with $PROXY_RC during start-up: $(rtpp_proxy_log_tail 3)"
			return 2
		fi
		info=$(rtpp_tq 'q("/rtpproxy/info")' 2>/dev/null)
		if [[ -n $info && $(rtpp_json 'd.get("state")' <<<"$info" 2>/dev/null) == running ]]; then
			[[ -z $addrs ]] && return 0
			neigh=$(rtpp_tq 'q("/rtpproxy/neighbours")' 2>/dev/null)
			rtpp_neigh_reachable "$neigh" $addrs && return 0
			RTPP_READY_WHY="neighbours $addrs not all reachable: ${neigh:-no answer}"
			for a in $addrs; do
				rtpp_peer_has_proxy "$a" || {
					peers_since=
					continue 2
				}
			done
			if [[ -z $peers_since ]]; then
				peers_since=$SECONDS
			elif ((SECONDS - peers_since >= 3)); then
				RTPP_READY_NOTE="telemetry never showed $addrs reachable (${neigh:-no answer}), but the hosts answered the proxy's ARP/NDP: went on"
				return 0
			fi
		elif [[ -n $info ]]; then
			RTPP_READY_WHY="state is not running: $info"
		fi
		sleep 0.2
	done
	return 1
}

rtpp_proxy_log_tail() {
	local n=${1:-5}
	[[ -f $PROXY_LOG ]] || return 0
	tail -n "$n" "$PROXY_LOG" | tr '\n' '|' | sed 's/|$//'
}

# rtpp_proxy_stop [TIMEOUT] [SIGNAL]: signal the proxy and wait for it.
# Sets PROXY_RC and RTPP_STOP_MS; returns 0 when it exited 0 in time.
rtpp_proxy_stop() {
	local timeout=${1:-10} sig=${2:-TERM} t0 n
	PROXY_RC=
	[[ -z $PROXY_PID ]] && return 1
	t0=$(date +%s%N)
	kill -"$sig" "$PROXY_PID" 2>/dev/null
	n=$((timeout * 20))
	while ((n-- > 0)) && rtpp_pid_alive "$PROXY_PID"; do
		sleep 0.05
	done
	RTPP_STOP_MS=$((($(date +%s%N) - t0) / 1000000))
	if rtpp_pid_alive "$PROXY_PID"; then
		kill -KILL "$PROXY_PID" 2>/dev/null
		wait "$PROXY_PID" 2>/dev/null
		PROXY_RC=timeout
		PROXY_PID=
		return 1
	fi
	wait "$PROXY_PID" 2>/dev/null
	PROXY_RC=$?
	PROXY_PID=
	[[ $PROXY_RC == 0 ]]
}

# ------------------------------------------------------------------ traffic

# rtpp_host_resolve NS ADDR [DEV]: have NS's kernel resolve ADDR (ARP/NDP)
# before a stream starts. A Linux host that sends while the neighbour is
# still unresolved can reorder its first packets itself (the queued ones
# race the new ones once the answer arrives), which is not the proxy's doing.
# Triggered with datagrams to port 9 (discard), outside any session range.
# 0 once resolved, 1 when nobody answered within ~3 s.
rtpp_host_resolve() {
	local ns=$1 addr=$2 dev=${3:-eth0} dst i
	if [[ $addr == *:* ]]; then dst="[$addr]:9"; else dst="$addr:9"; fi
	for i in 1 2 3 4 5 6 7 8 9 10; do
		if ip -n "$ns" neigh show to "$addr" dev "$dev" 2>/dev/null |
			grep -E 'lladdr' | grep -Eqv 'FAILED|INCOMPLETE'; then
			return 0
		fi
		in_ns "$ns" "$PYTHON" "$RTPTOOL" probe --dst "$dst" --timeout 0.3 >/dev/null 2>&1
	done
	return 1
}

# rtpp_host_pin NS ADDR MAC [DEV]: a permanent neighbour entry.
rtpp_host_pin() {
	ip -n "$1" neigh replace "$2" lladdr "$3" dev "${4:-eth0}" nud permanent
}

# rtpp_px_mac DEV: the MAC of pxa/pxb (what the af_packet port uses).
rtpp_px_mac() { in_ns "$NS_PX" cat "/sys/class/net/$1/address"; }

# rtpp_recv_start NS NAME ARGS...: start "rtptool recv" in NS in the
# background, wait until its socket is bound. Summary in $RTPP_DIR/NAME.json;
# sets RECV_PID.
rtpp_recv_start() {
	local ns=$1 name=$2 n=100
	shift 2
	rm -f "$RTPP_DIR/$name.ready" "$RTPP_DIR/$name.json"
	ip netns exec "$ns" "$PYTHON" "$RTPTOOL" recv --quiet --ready-file "$RTPP_DIR/$name.ready" \
		--output "$RTPP_DIR/$name.json" "$@" </dev/null >"$RTPP_DIR/$name.out" 2>&1 &
	RECV_PID=$!
	while ((n-- > 0)); do
		[[ -e $RTPP_DIR/$name.ready ]] && return 0
		rtpp_pid_alive "$RECV_PID" || break
		sleep 0.05
	done
	rtpp_msg "receiver $name did not start: $(cat "$RTPP_DIR/$name.out" 2>/dev/null)"
	return 1
}

# rtpp_wait_pid PID TIMEOUT: wait for a child; its exit code, 124 on timeout
# (then it is killed).
rtpp_wait_pid() {
	local pid=$1 n=$(($2 * 20))
	while ((n-- > 0)) && rtpp_pid_alive "$pid"; do
		sleep 0.05
	done
	if rtpp_pid_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		sleep 0.2
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid" 2>/dev/null
}

# rtpp_send NS ARGS...: rtptool send in NS (foreground, bounded).
# The sender stops itself at its --timeout; the outer limit is a safety net
# that must stay above it (the demo sends for up to 300 s).
rtpp_send() {
	local ns=$1
	shift
	timeout "${RTPP_SEND_LIMIT:-120}" ip netns exec "$ns" "$PYTHON" "$RTPTOOL" send "$@"
}

# rtpp_snmp NS PROTO FIELD: a counter from /proc/net/snmp (Udp, Ip, Icmp...)
# or /proc/net/snmp6 (Udp6InCsumErrors: PROTO "6").
rtpp_snmp() {
	local ns=$1 proto=$2 field=$3
	if [[ $proto == 6 ]]; then
		in_ns "$ns" awk -v f="$field" '$1 == f {print $2}' /proc/net/snmp6
	else
		in_ns "$ns" awk -v p="$proto:" -v f="$field" '
			$1 == p && !hdr { for (i = 2; i <= NF; i++) col[$i] = i; hdr = 1; next }
			$1 == p && hdr { print $col[f]; exit }' /proc/net/snmp
	fi
}

# rtpp_session_by_name NAME: the /rtpproxy/session JSON of the named session.
rtpp_session_by_name() {
	local out
	out=$(SN=$1 rtpp_tq 'session(os.environ["SN"])') || return 1
	[[ -n $out && $out != null ]] || return 1
	printf '%s\n' "$out"
}

# rtpp_write_config FILE: the standard two-interface config; the sessions
# list is read from stdin (YAML lines, already indented).
# PROXY_WORKERS: worker count, also the af_packet queue pairs (default 1);
# PROXY_PORTS_A/B: media port ranges of the two interfaces.
# PROXY_DEVARGS: more af_packet arguments (",framecnt=4096"), appended to both.
rtpp_write_config() {
	local file=$1 sessions workers=${PROXY_WORKERS:-1}
	sessions=$(cat)
	{
		cat <<EOF
interfaces:
  - name: access
    device: "net_af_packet0,iface=pxa,qpairs=$workers${PROXY_DEVARGS:-}"
    addresses: [203.0.113.1/24, "2001:db8:a::1/64"]
    ports: ${PROXY_PORTS_A:-20000-29999}
  - name: core
    device: "net_af_packet1,iface=pxb,qpairs=$workers${PROXY_DEVARGS:-}"
    addresses: [198.51.100.1/24, "2001:db8:b::1/64"]
    ports: ${PROXY_PORTS_B:-30000-39999}
dataplane:
  workers: $workers
EOF
		# PROXY_IDLE_SLEEP: dataplane.idle_sleep_us for cases that need one
		[[ -n ${PROXY_IDLE_SLEEP:-} ]] && printf '  idle_sleep_us: %s\n' "$PROXY_IDLE_SLEEP"
		# PROXY_MAX_SESSIONS: dataplane.max_sessions for cases that need one
		[[ -n ${PROXY_MAX_SESSIONS:-} ]] && printf '  max_sessions: %s\n' "$PROXY_MAX_SESSIONS"
		# PROXY_KERNEL_PPS: dataplane.kernel_rate_pps for cases that need one
		[[ -n ${PROXY_KERNEL_PPS:-} ]] && printf '  kernel_rate_pps: %s\n' "$PROXY_KERNEL_PPS"
		# PROXY_API_YAML: an api: section for cases that need one
		[[ -n ${PROXY_API_YAML:-} ]] && printf '%s\n' "$PROXY_API_YAML"
		# PROXY_POLICY_YAML: a policy: section (allowed_remotes) for cases that need one
		[[ -n ${PROXY_POLICY_YAML:-} ]] && printf '%s\n' "$PROXY_POLICY_YAML"
		if [[ -n $sessions ]]; then
			printf 'sessions:\n%s\n' "$sessions"
		else
			printf 'sessions: []\n'
		fi
	} >"$file"
}
