#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The Debian package, end to end, on this machine:
#   build it from a copy of the tree (dpkg-buildpackage -b, in a temporary
#   directory), lintian it (errors fail, warnings are shown), install it with
#   apt-get (so its dependencies resolve), check what it installed and that it
#   neither enabled nor started the service, run the installed binary and
#   tools, relay RTP through the installed /usr/bin/rtpproxy (system cases
#   v4 and grpc, driven by the installed rtpproxyctl and rtpproxy-telemetry),
#   and purge it again.
#
#   tests/package/run.sh
#
# Needs root (it installs a package): exit 77, counted as skipped, otherwise.
# Prints "PASS check", "FAIL check: reason" or "SKIP check: reason" per check,
# then "N passed, N failed, N skipped"; exit 0 only when nothing failed.
# The machine is left as found: the package, and whatever apt-get installed
# for it, are purged on every exit. An rtpproxy package already installed is
# not touched (the run fails instead). Logs go to a temporary directory,
# removed unless something failed or RTPP_KEEP=1.
#
# Environment: RTPP_PKG_CASES="v4 grpc" (system cases run with the installed
# binary), RTPP_NO_HUGE=1 (passed on to them), RTPP_KEEP=1.

set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CASES=${RTPP_PKG_CASES:-v4 grpc}
BUILD_TIMEOUT=900
APT_TIMEOUT=600
SYSTEM_TIMEOUT=300

PASSED=0
FAILED=0
SKIPPED=0
pass() { echo "PASS $1"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $1: $2"; FAILED=$((FAILED + 1)); }
skip() { echo "SKIP $1: $2"; SKIPPED=$((SKIPPED + 1)); }
summary() { echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"; }
msg() { printf '%s\n' "$*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
	skip package "needs root (installs and purges a package)"
	summary
	exit 77
fi
for tool in dpkg-buildpackage dh apt-get dpkg-parsechangelog; do
	if ! command -v "$tool" >/dev/null; then
		fail setup "$tool is missing (usertools/setup installs dpkg-dev and debhelper)"
		summary
		exit 1
	fi
done
state=$(dpkg-query -W -f='${db:Status-Abbrev}' rtpproxy 2>/dev/null)
if [[ -n $state && $state != "un "* && $state != "pn "* ]]; then
	fail setup "an rtpproxy package is already on this machine (dpkg: '$state'); not replacing it: apt-get purge rtpproxy first"
	summary
	exit 1
fi

START=$SECONDS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rtpp-pkg.XXXXXX")
# apt-get reads the .deb as its unprivileged _apt user when it can.
chmod 755 "$WORK"
INSTALLED=0
NEW_DEPS=()

# Remove the package and what apt-get brought for it; true when all is gone.
purge_package() {
	local rc=0
	DEBIAN_FRONTEND=noninteractive timeout "$APT_TIMEOUT" apt-get -o DPkg::Lock::Timeout=300 \
		purge -y -q rtpproxy "${NEW_DEPS[@]}" >>"$WORK/purge.log" 2>&1 || rc=1
	INSTALLED=0
	return $rc
}
on_exit() {
	if ((INSTALLED)); then
		purge_package || msg "package: purge failed, see $WORK/purge.log"
	fi
	if [[ -n ${RTPP_KEEP:-} ]] || ((FAILED)); then
		msg "package: logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap on_exit EXIT
trap 'echo "FAIL interrupted: signal"; FAILED=$((FAILED + 1)); summary; exit 130' INT TERM HUP

# show_log FILE [N]: the end of a log, on stderr, for a failed step (without
# the compiler's command lines, which ninja -v prints).
show_log() {
	tail -n 300 "$1" | grep -Ev '^(\[[0-9]+/[0-9]+\] |FAILED: |cc |c\+\+ )' |
		tail -n "${2:-20}" | sed 's/^/    /' >&2
}

# ------------------------------------------------------------------ build
# A copy of the tree without build directories, VCS data or caches:
# dpkg-buildpackage writes into the tree (obj-*, debian/rtpproxy) and its
# parent (the .deb), so neither is the working tree. Every check below
# compares with this copy, what the package was built from.
src="$WORK/src/rtpproxy"
mkdir -p "$src"
tar -C "$ROOT" --exclude-vcs --exclude='./build*' --exclude='./obj-*' --exclude='./fuzz-artifacts' \
	--exclude='./debian/rtpproxy' --exclude='./debian/.debhelper' --exclude=__pycache__ -cf - . |
	tar -C "$src" -xf -

version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$src/meson.build" | head -n 1)
deb_version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
if [[ -n $version && $deb_version == "$version" ]]; then
	pass "version ($version in meson.build and debian/changelog)"
else
	fail version "debian/changelog says '$deb_version', meson.build '$version'"
fi

t=$SECONDS
(cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc)" timeout "$BUILD_TIMEOUT" \
	dpkg-buildpackage -b -us -uc) >"$WORK/build.log" 2>&1
rc=$?
arch=$(dpkg --print-architecture)
DEB="$WORK/src/rtpproxy_${deb_version}_${arch}.deb"
CHANGES="$WORK/src/rtpproxy_${deb_version}_${arch}.changes"
if ((rc == 0)) && [[ -f $DEB ]]; then
	pass "build (dpkg-buildpackage -b, $((SECONDS - t)) s, $(du -k "$DEB" | cut -f1) KiB .deb)"
else
	fail build "dpkg-buildpackage exit $rc, no $DEB (log: $WORK/build.log)"
	show_log "$WORK/build.log" 30
	summary
	exit 1
fi

# ------------------------------------------------------------------ lintian
if command -v lintian >/dev/null; then
	t=$SECONDS
	timeout 300 lintian --fail-on error "$CHANGES" >"$WORK/lintian.log" 2>&1
	rc=$?
	grep -v 'running with root privileges' "$WORK/lintian.log" | sed 's/^/    lintian: /' >&2
	errors=$(grep -c '^E: ' "$WORK/lintian.log")
	warnings=$(grep -c '^W: ' "$WORK/lintian.log")
	if ((rc == 0)); then
		pass "lintian (0 errors, $warnings warnings, $((SECONDS - t)) s)"
	else
		fail lintian "exit $rc, $errors errors"
	fi
else
	skip lintian "lintian is not installed (usertools/setup installs it)"
fi

# ------------------------------------------------------------------ install
# What apt-get will add for the package (on a machine set up by usertools/setup,
# nothing): purged with it at the end. Only new packages ("Inst P (V ..."),
# never an upgraded one ("Inst P [OLD] (V ...").
mapfile -t NEW_DEPS < <(apt-get -s -q install "$DEB" 2>/dev/null |
	sed -n 's/^Inst \([^ ]*\) (.*/\1/p' | grep -vx rtpproxy)
INSTALLED=1
t=$SECONDS
if DEBIAN_FRONTEND=noninteractive timeout "$APT_TIMEOUT" apt-get -o DPkg::Lock::Timeout=300 \
	install -y -q "$DEB" >"$WORK/install.log" 2>&1 &&
	[[ $(dpkg-query -W -f='${db:Status-Abbrev}' rtpproxy 2>/dev/null) == "ii "* ]]; then
	pass "install (apt-get install ./$(basename "$DEB"), ${#NEW_DEPS[@]} new dependencies, $((SECONDS - t)) s)"
else
	fail install "apt-get install failed (log: $WORK/install.log)"
	show_log "$WORK/install.log"
	summary
	exit 1
fi

# ------------------------------------------------------------------ files
want=(/usr/bin/rtpproxy /usr/bin/rtpproxyctl /usr/bin/rtpproxy-telemetry
	/etc/rtpproxy/rtpproxy.yaml
	/usr/share/rtpproxy/proto/rtpproxy.proto /usr/share/rtpproxy/proto/health.proto
	/usr/share/doc/rtpproxy/README.md /usr/share/doc/rtpproxy/copyright
	/usr/share/doc/rtpproxy/examples/rtpproxy.example.yaml)
want_conf=(/etc/rtpproxy/rtpproxy.yaml)
# Every page of docs/ and every unit of config/systemd/, whatever they are now.
for f in "$src"/docs/*.md; do want+=("/usr/share/doc/rtpproxy/$(basename "$f")"); done
for f in "$src"/config/systemd/*.service; do
	[[ -e $f ]] && want+=("/lib/systemd/system/$(basename "$f")")
done
if [[ -f $src/config/systemd/rtpproxy.default ]]; then
	want+=(/etc/default/rtpproxy)
	want_conf+=(/etc/default/rtpproxy)
fi
listed=$(dpkg -L rtpproxy)
missing=()
for f in "${want[@]}"; do
	grep -qxF "$f" <<<"$listed" && [[ -f $f ]] || missing+=("$f")
done
for f in /usr/bin/rtpproxy /usr/bin/rtpproxyctl /usr/bin/rtpproxy-telemetry; do
	[[ -x $f ]] || missing+=("$f (not executable)")
done
cmp -s /etc/rtpproxy/rtpproxy.yaml "$src/config/rtpproxy.example.yaml" ||
	missing+=("/etc/rtpproxy/rtpproxy.yaml (not config/rtpproxy.example.yaml)")
if ((${#missing[@]} == 0)); then
	pass "files (${#want[@]} in dpkg -L and on disk)"
else
	fail files "missing or wrong: ${missing[*]}"
fi

conffiles=$(dpkg-query -W -f='${Conffiles}\n' rtpproxy | awk 'NF {print $1}')
missing=()
for f in "${want_conf[@]}"; do grep -qxF "$f" <<<"$conffiles" || missing+=("$f"); done
if ((${#missing[@]} == 0)); then
	pass "conffiles (${want_conf[*]})"
else
	fail conffiles "not conffiles: ${missing[*]} (dpkg lists: $(tr '\n' ' ' <<<"$conffiles"))"
fi

# Neither enabled nor started (debian/rules says why): no wants link, and no
# process runs the installed binary (other rtpproxy processes, of other
# builds, may run on a development machine).
enabled=$(find /etc/systemd/system -name 'rtpproxy*.service' 2>/dev/null)
running=()
for p in /proc/[0-9]*; do
	[[ $(readlink "$p/exe" 2>/dev/null) == /usr/bin/rtpproxy ]] && running+=("${p#/proc/}")
done
if [[ -z $enabled && ${#running[@]} -eq 0 ]]; then
	pass "service neither enabled nor started by the installation"
else
	fail "not enabled" "enabled: ${enabled:-none}; running /usr/bin/rtpproxy: ${running[*]:-none}"
fi

# ------------------------------------------------------------------ the installed binary
out=$(/usr/bin/rtpproxy -- --version 2>&1)
if [[ $out == "rtpproxy $version" ]]; then
	pass "rtpproxy --version ($out)"
else
	fail "rtpproxy --version" "got '$out', want 'rtpproxy $version'"
fi

# Built for a baseline CPU, not the build machine's: no AVX/AVX-512 register
# in the code (x86-64-v2 has none; -march=native on a recent CPU puts them in).
if [[ $arch != amd64 ]]; then
	skip "baseline ISA" "checked on amd64 only"
elif command -v objdump >/dev/null; then
	n=$(objdump -d --no-show-raw-insn /usr/bin/rtpproxy | grep -cE '%[yz]mm[0-9]')
	if ((n == 0)); then
		pass "baseline ISA (no AVX/AVX-512 instruction in /usr/bin/rtpproxy)"
	else
		fail "baseline ISA" "$n instructions use ymm/zmm registers: built for the build machine's CPU?"
	fi
else
	skip "baseline ISA" "objdump (binutils) is not installed"
fi

# The example configuration is valid as shipped; a broken one is refused with
# FILE:LINE: FIELD: reason and exit 1, before DPDK starts.
out=$(/usr/bin/rtpproxy -- --check -c /etc/rtpproxy/rtpproxy.yaml 2>&1)
rc=$?
if ((rc == 0)) && [[ $out == "/etc/rtpproxy/rtpproxy.yaml: OK"* ]]; then
	pass "rtpproxy --check -c /etc/rtpproxy/rtpproxy.yaml ($out)"
else
	fail "rtpproxy --check" "exit $rc: $out"
fi
# A misspelt top-level key appended as the last line.
{ cat /etc/rtpproxy/rtpproxy.yaml; echo "interfacs: []"; } >"$WORK/bad.yaml"
bad_line=$(wc -l <"$WORK/bad.yaml")
out=$(/usr/bin/rtpproxy -- --check -c "$WORK/bad.yaml" 2>&1)
rc=$?
if ((rc == 1)) && [[ $out == "$WORK/bad.yaml:$bad_line: interfacs: unknown key"* ]]; then
	short=${out#"$WORK"/}
	pass "rtpproxy --check refuses a misspelt key (${short%% (*})"
else
	fail "rtpproxy --check (misspelt key)" "exit $rc, want 1 and bad.yaml:$bad_line: interfacs: unknown key: $out"
fi

# The installed tools run from anywhere: rtpproxyctl compiles its messages
# from /usr/share/rtpproxy/proto at start (even for --help).
out=$(cd / && /usr/bin/rtpproxyctl --help 2>&1)
rc=$?
if ((rc == 0)) && grep -q 'create' <<<"$out"; then
	pass "rtpproxyctl --help"
else
	fail "rtpproxyctl --help" "exit $rc: $(head -c 300 <<<"$out")"
fi
out=$(cd / && /usr/bin/rtpproxy-telemetry --help 2>&1)
rc=$?
if ((rc == 0)) && grep -q 'stats' <<<"$out"; then
	pass "rtpproxy-telemetry --help"
else
	fail "rtpproxy-telemetry --help" "exit $rc: $(head -c 300 <<<"$out")"
fi

# The unit as installed: syntax, known directives, executables that exist.
if command -v systemd-analyze >/dev/null; then
	units=()
	for f in "$src"/config/systemd/*.service; do
		[[ -e $f ]] && units+=("/lib/systemd/system/$(basename "$f")")
	done
	out=$(timeout 60 systemd-analyze verify "${units[@]}" 2>&1)
	rc=$?
	# An unknown key or section is only a warning to systemd: fail on any
	# line about our units, not just on the exit status.
	if ((rc == 0)) && ! grep -q rtpproxy <<<"$out"; then
		pass "systemd-analyze verify ${units[*]}"
	else
		fail "systemd-analyze verify" "exit $rc: $(head -c 600 <<<"$out")"
	fi
else
	skip "systemd-analyze verify" "systemd-analyze is not installed"
fi

# ------------------------------------------------------------------ RTP through the installed binary
# The system suite from a directory where usertools/ holds the installed tools
# (tests/system finds rtpproxyctl as ../../usertools/rtpproxyctl), so the
# cases drive /usr/bin/rtpproxy with /usr/bin/rtpproxyctl and
# /usr/bin/rtpproxy-telemetry and nothing of the source tree but the tests.
stage="$WORK/stage"
mkdir -p "$stage/tests" "$stage/usertools"
cp -r "$src/tests/system" "$stage/tests/system"
ln -s /usr/bin/rtpproxyctl "$stage/usertools/rtpproxyctl"
ln -s /usr/bin/rtpproxy-telemetry "$stage/usertools/rtpproxy-telemetry"
read -r -a case_list <<<"$CASES"
t=$SECONDS
TELEMETRY=/usr/bin/rtpproxy-telemetry RTPP_RUN_BUDGET=$SYSTEM_TIMEOUT \
	timeout $((SYSTEM_TIMEOUT + 60)) bash "$stage/tests/system/run.sh" /usr/bin/rtpproxy "${case_list[@]}" \
	>"$WORK/system.out" 2>"$WORK/system.err"
rc=$?
if ((rc == 77)); then
	skip "system cases" "tests/system/run.sh skipped: $(tail -n 1 "$WORK/system.err")"
else
	seen=0
	while read -r word name rest; do
		case $word in
		PASS) pass "system $name with the installed binary"; seen=$((seen + 1)) ;;
		FAIL) fail "system $name with the installed binary" "${rest#: }"; seen=$((seen + 1)) ;;
		SKIP) skip "system $name with the installed binary" "$rest"; seen=$((seen + 1)) ;;
		esac
	done < <(sed -n 's/^\(PASS\|FAIL\|SKIP\) \([^: ]*\):\{0,1\}\(.*\)$/\1 \2 \3/p' "$WORK/system.out")
	if ((seen != ${#case_list[@]})) || { ((rc != 0)) && ((FAILED == 0)); }; then
		fail "system cases" "exit $rc, $seen of ${#case_list[@]} cases reported (stderr: $WORK/system.err)"
	fi
	((rc != 0)) && show_log "$WORK/system.err"
	msg "package: system cases took $((SECONDS - t)) s"
fi

# ------------------------------------------------------------------ purge
t=$SECONDS
if purge_package && [[ $(dpkg-query -W -f='${db:Status-Abbrev}' rtpproxy 2>/dev/null) != "ii "* ]] &&
	[[ ! -e /usr/bin/rtpproxy && ! -e /etc/rtpproxy && ! -e /etc/default/rtpproxy &&
		! -e /lib/systemd/system/rtpproxy.service && ! -e /usr/share/rtpproxy ]]; then
	pass "purge (package, configuration and ${#NEW_DEPS[@]} added dependencies gone, $((SECONDS - t)) s)"
else
	fail purge "something is left (log: $WORK/purge.log): $(ls -d /usr/bin/rtpproxy /etc/rtpproxy \
		/etc/default/rtpproxy /lib/systemd/system/rtpproxy.service /usr/share/rtpproxy 2>/dev/null | tr '\n' ' ')"
fi

msg "package: whole test $((SECONDS - START)) s"
summary
((FAILED == 0))
