#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""RTP traffic generator and checker for the rtpproxy system tests.

Standard library only. Three sub-commands:

  send   send COUNT RTP packets (or RTCP sender reports with --rtcp) to an
         endpoint at a bounded rate; every packet is built from its sequence
         number and a --pattern so that the receiver can rebuild it byte for
         byte.
  recv   bind an endpoint and receive until COUNT packets arrived or a
         timeout; check each packet's source endpoint, content and sequence;
         print a JSON summary; exit 0 only when everything arrived intact and
         in order.
  rtcp-sr, rtcp-reflect
         a round trip of RTCP sender and receiver reports (see below).
  probe  send one datagram from a connected socket and report whether the
         kernel's ICMP port unreachable came back (ECONNREFUSED).
  sniff  count the frames that arrive on an interface for a while (UDP
         flows, ARP, ICMP): "did anything get through?".
  raw-udp
         the RTP stream "send" makes, in raw Ethernet frames built here, so
         that a checksum can be wrong on purpose (a bad IPv4 header checksum,
         an IPv6 UDP checksum of 0), each broken frame after its good twin.

Endpoints are written "203.0.113.1:20000" or "[2001:db8:a::1]:20002".

Every loop is bounded by a count and by a time limit.
"""

import argparse
import errno
import functools
import json
import os
import random
import select
import socket
import struct
import sys
import threading
import time

# Linux constants that Python's socket module does not always export.
SO_RCVBUFFORCE = 33
SO_SNDBUFFORCE = 32
IP_RECVERR = 11
IPV6_RECVERR = 25
SOL_IP = 0
SOL_IPV6 = 41

RTP_MAGIC = b"RTPT"   # first bytes of every RTP payload we make
RTCP_APP_NAME = b"RTPT"
RTP_HDR = struct.Struct("!BBHII")     # V/P/X/CC, M/PT, seq, timestamp, SSRC
PAYLOAD_HDR = struct.Struct("!4sII")  # magic, extended seq, pattern
SR_HDR = struct.Struct("!BBHIIIIII")  # RTCP SR without report blocks (28 bytes)
APP_HDR = struct.Struct("!BBHI4sII")  # RTCP APP: hdr, SSRC, name, ext seq, pattern

MAX_RATE = 200000      # packets per second, hard ceiling
MAX_COUNT = 10000000   # packets, hard ceiling
MAX_TIME = 600.0       # seconds, hard ceiling for any loop


def parse_endpoint(text):
    """'1.2.3.4:5' or '[v6]:5' -> (family, host, port)."""
    text = text.strip()
    if text.startswith("["):
        host, sep, port = text[1:].partition("]:")
        if not sep:
            raise ValueError("bad endpoint %r: want [ADDR]:PORT" % text)
        fam = socket.AF_INET6
    else:
        host, sep, port = text.rpartition(":")
        if not sep or ":" in host:
            raise ValueError("bad endpoint %r: want ADDR:PORT or [ADDR]:PORT" % text)
        fam = socket.AF_INET
    port = int(port)
    if not 0 <= port <= 65535:
        raise ValueError("bad port in %r" % text)
    # Normalise the address text (e.g. 2001:db8:0::1 -> 2001:db8::1).
    host = socket.inet_ntop(fam, socket.inet_pton(fam, host))
    return fam, host, port


def format_endpoint(fam, host, port):
    if fam == socket.AF_INET6:
        return "[%s]:%d" % (host, port)
    return "%s:%d" % (host, port)


def sockaddr_to_text(fam, addr):
    host = socket.inet_ntop(fam, socket.inet_pton(fam, addr[0].split("%")[0]))
    return format_endpoint(fam, host, addr[1])


def sockaddr(fam, host, port):
    if fam == socket.AF_INET6:
        return (host, port, 0, 0)
    return (host, port)


@functools.lru_cache(maxsize=1024)
def _filler_block(start, step, size):
    block = bytes(((start + i * step) & 0xFF) for i in range(256))
    return (block * (size // 256 + 1))[:size]


def filler(seq, pattern, size):
    """Deterministic bytes that depend on seq and pattern."""
    if size <= 0:
        return b""
    return _filler_block((seq * 7 + pattern * 13) & 0xFF, (pattern % 251) | 1, size)


def build_rtp(seq, pattern, ssrc, pt, payload_size, ts_step):
    """RTP packet for extended sequence number seq."""
    size = max(payload_size, PAYLOAD_HDR.size)
    marker = 0x80 if seq == 0 else 0
    hdr = RTP_HDR.pack(0x80, marker | (pt & 0x7F), seq & 0xFFFF,
                       (seq * ts_step) & 0xFFFFFFFF, ssrc)
    body = PAYLOAD_HDR.pack(RTP_MAGIC, seq & 0xFFFFFFFF, pattern & 0xFFFFFFFF)
    return hdr + body + filler(seq, pattern, size - PAYLOAD_HDR.size)


def build_rtcp(seq, pattern, ssrc, payload_size, ts_step):
    """Compound RTCP: SR (no report blocks) + APP carrying seq and filler."""
    ntp_sec = (0xE0000000 + seq) & 0xFFFFFFFF
    ntp_frac = (seq * 0x10000) & 0xFFFFFFFF
    sr = SR_HDR.pack(0x80, 200, 6, ssrc, ntp_sec, ntp_frac,
                     (seq * ts_step) & 0xFFFFFFFF, seq & 0xFFFFFFFF,
                     (seq * 160) & 0xFFFFFFFF)
    extra = max(0, payload_size - APP_HDR.size)
    extra = (extra + 3) // 4 * 4  # RTCP lengths are in 32-bit words
    app_len_words = (APP_HDR.size + extra) // 4 - 1
    app = APP_HDR.pack(0x80, 204, app_len_words, ssrc, RTCP_APP_NAME,
                       seq & 0xFFFFFFFF, pattern & 0xFFFFFFFF)
    return sr + app + filler(seq, pattern, extra)


def parse_seq(data, rtcp):
    """(extended seq, pattern) from a packet we built, or None."""
    if rtcp:
        if len(data) < SR_HDR.size + APP_HDR.size:
            return None
        if data[0] >> 6 != 2 or data[1] != 200:
            return None
        a = APP_HDR.unpack_from(data, SR_HDR.size)
        if a[1] != 204 or a[4] != RTCP_APP_NAME:
            return None
        return a[5], a[6]
    if len(data) < RTP_HDR.size + PAYLOAD_HDR.size or data[0] >> 6 != 2:
        return None
    magic, seq, pattern = PAYLOAD_HDR.unpack_from(data, RTP_HDR.size)
    if magic != RTP_MAGIC:
        return None
    if (seq & 0xFFFF) != struct.unpack_from("!H", data, 2)[0]:
        return None
    return seq, pattern


def build(args, seq):
    if args.rtcp:
        return build_rtcp(seq, args.pattern, args.ssrc, args.payload_size, args.ts_step)
    return build_rtp(seq, args.pattern, args.ssrc, args.pt, args.payload_size, args.ts_step)


def make_socket(fam, bind_ep):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    if bind_ep is not None:
        bfam, host, port = bind_ep
        if bfam != fam:
            raise ValueError("source and destination are of different families")
        s.bind(sockaddr(fam, host, port))
    return s


def set_buf(s, force_opt, opt, size):
    try:
        s.setsockopt(socket.SOL_SOCKET, force_opt, size)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, opt, size)


# ---------------------------------------------------------------- send

def cmd_send(args):
    fam, host, port = parse_endpoint(args.dst)
    src = parse_endpoint(args.src) if args.src else None
    if not 0 < args.count <= MAX_COUNT:
        raise SystemExit("send: --count must be 1..%d" % MAX_COUNT)
    if not 0 < args.rate <= MAX_RATE:
        raise SystemExit("send: --rate must be 1..%d pps" % MAX_RATE)
    time_limit = min(args.timeout, MAX_TIME)
    s = make_socket(fam, src)
    set_buf(s, SO_SNDBUFFORCE, socket.SO_SNDBUF, 4 << 20)
    dst = sockaddr(fam, host, port)
    # A symmetric RTP endpoint (a phone): what comes back to the sending
    # socket is counted by a thread, with the sources it came from.
    back = {"received": 0, "sources": {}, "seqs": set()}
    stop_reading = threading.Event()

    def read_back():
        s.settimeout(0.1)
        while not stop_reading.is_set():
            try:
                data, addr = s.recvfrom(65535)
            except (socket.timeout, ConnectionRefusedError):
                continue
            except OSError:
                return
            back["received"] += 1
            src_text = sockaddr_to_text(fam, addr)
            back["sources"][src_text] = back["sources"].get(src_text, 0) + 1
            seq_no = parse_seq(data, False)
            if seq_no is not None:
                back["seqs"].add(seq_no)
    # --jitter-ms: each packet leaves up to that much after its due time,
    # uniformly at random (seeded), and the RFC 3550 A.8 jitter of the times
    # it really left at is computed here, to compare with the proxy's figure.
    rng = random.Random(args.seed)
    jitter_offsets = [rng.uniform(0.0, args.jitter_ms / 1000.0) for _ in range(args.count)]
    send_times = []
    reader = None
    if args.receive_back:
        reader = threading.Thread(target=read_back, daemon=True)
        reader.start()
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("%d\n" % os.getpid())
    # Bound (and reading) already: the other side may start now.
    time.sleep(min(max(args.start_delay, 0.0), MAX_TIME))
    interval = 1.0 / args.rate
    # Send in small bursts so that the pacing stays accurate at high rates
    # without a syscall-heavy sleep per packet.
    burst = max(1, min(32, args.rate // 1000))
    start = time.monotonic()
    deadline = start + time_limit
    sent = errors = 0
    refused = skipped = 0
    seq = args.start_seq
    end_seq = args.start_seq + args.count
    while seq < end_seq:
        now = time.monotonic()
        if now >= deadline:
            break
        due = start + (seq - args.start_seq) * interval
        if args.jitter_ms:
            due += jitter_offsets[seq - args.start_seq]
        if due > now:
            time.sleep(min(due - now, deadline - now))
            continue
        for _ in range(min(burst, end_seq - seq)):
            if args.skip_every and (seq - args.start_seq) % args.skip_every == \
                    args.skip_every - 1:
                skipped += 1  # a hole in the sequence: loss the proxy must see
                seq += 1
                continue
            pkt = build(args, seq)
            try:
                s.sendto(pkt, dst)
                if args.jitter_ms:
                    send_times.append((time.monotonic(), seq))
                sent += 1
            except ConnectionRefusedError:
                # A previous ICMP unreachable: the datagram was not sent.
                refused += 1
                errors += 1
            except OSError as e:
                if e.errno in (errno.ENOBUFS, errno.EAGAIN):
                    errors += 1
                    time.sleep(0.0005)
                    continue  # retry the same seq
                raise
            seq += 1
    elapsed = time.monotonic() - start
    if reader is not None:
        # Let what the other side sends after our last packet come in too.
        linger_end = time.monotonic() + min(args.receive_linger, MAX_TIME)
        while time.monotonic() < linger_end and back["received"] < args.receive_back:
            time.sleep(0.05)
        stop_reading.set()
        reader.join(1.0)
    s.close()
    summary = {
        "sent": sent, "requested": args.count, "skipped": skipped, "errors": errors,
        "refused": refused, "elapsed_s": round(elapsed, 3),
        "rate_pps": round(sent / elapsed, 1) if elapsed > 0 else None,
        "dst": format_endpoint(fam, host, port),
        "timed_out": seq < end_seq,
        "ok": sent + skipped == args.count,
    }
    if args.jitter_ms and len(send_times) > 1:
        clock = args.ts_step * args.rate  # RTP units per second
        j = 0.0
        prev = None
        for t, q in send_times:
            transit = t * clock - q * args.ts_step
            if prev is not None:
                j += (abs(transit - prev) - j) / 16.0
            prev = transit
        summary["sent_jitter_ms"] = round(j / clock * 1000.0, 4)
    if reader is not None:
        summary["back"] = {"received": back["received"], "distinct": len(back["seqs"]),
                           "sources": back["sources"]}
    if not args.quiet:
        print(json.dumps(summary), flush=True)
    return 0 if summary["ok"] else 1


# ---------------------------------------------------------------- recv

def cmd_recv(args):
    fam, host, port = parse_endpoint(args.bind)
    expect_src = None
    if args.expect_src:
        expect_src = format_endpoint(*parse_endpoint(args.expect_src))
    time_limit = min(args.timeout, MAX_TIME)
    s = make_socket(fam, (fam, host, port))
    set_buf(s, SO_RCVBUFFORCE, socket.SO_RCVBUF, 16 << 20)
    s.setblocking(False)
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(args.ready_file + ".tmp", args.ready_file)

    # With --skip-every the sender left holes: those never come.
    expected = args.count - (args.count // args.skip_every if args.skip_every else 0)
    st = {
        "bind": format_endpoint(fam, host, port),
        "expect_src": expect_src,
        "expected": expected,
        "received": 0,        # datagrams of any kind
        "valid": 0,           # ours, intact, unique, from the right source
        "lost": 0,
        "duplicates": 0,
        "out_of_order": 0,
        "bad_source": 0,
        "bad_payload": 0,
        "foreign": 0,         # intact packets of another --pattern
        "bytes": 0,
        "sources": {},
        "first_seq": None,
        "last_seq": None,
        "errors": [],
    }

    def err(msg):
        if len(st["errors"]) < args.max_errors:
            st["errors"].append(msg)

    seen = set()
    next_seq = args.start_seq
    start = time.monotonic()
    deadline = start + time_limit
    first_at = last_at = None
    linger_until = None
    poller = select.poll()
    poller.register(s, select.POLLIN)
    timed_out = False
    while True:
        now = time.monotonic()
        if linger_until is not None and now >= linger_until:
            break
        if now >= deadline:
            timed_out = st["valid"] < expected
            break
        if last_at is not None and args.idle_timeout > 0 and \
                now - last_at >= args.idle_timeout and linger_until is None:
            timed_out = st["valid"] < expected
            break
        wait_until = deadline
        if linger_until is not None:
            wait_until = min(wait_until, linger_until)
        if last_at is not None and args.idle_timeout > 0 and linger_until is None:
            wait_until = min(wait_until, last_at + args.idle_timeout)
        if not poller.poll(max(0, int((wait_until - now) * 1000)) + 1):
            continue
        for _ in range(256):  # drain a batch
            try:
                data, addr = s.recvfrom(65535)
            except BlockingIOError:
                break
            now = time.monotonic()
            if first_at is None:
                first_at = now
            last_at = now
            st["received"] += 1
            st["bytes"] += len(data)
            src = sockaddr_to_text(fam, addr)
            st["sources"][src] = st["sources"].get(src, 0) + 1
            if expect_src is not None and src != expect_src:
                st["bad_source"] += 1
                err("packet %d from %s, expected %s" % (st["received"], src, expect_src))
                continue
            parsed = parse_seq(data, args.rtcp)
            if parsed is None:
                st["bad_payload"] += 1
                err("packet %d (%d bytes) is not a %s packet of ours: %s" % (
                    st["received"], len(data), "RTCP" if args.rtcp else "RTP",
                    data[:16].hex()))
                continue
            seq, pattern = parsed
            if pattern != args.pattern:
                st["foreign"] += 1
                err("packet seq %d has pattern %d, expected %d" % (seq, pattern, args.pattern))
                continue
            want = build(args, seq)
            if data != want:
                st["bad_payload"] += 1
                diff = next((i for i in range(min(len(data), len(want)))
                             if data[i] != want[i]), min(len(data), len(want)))
                err("seq %d: content differs at byte %d (got %d bytes, want %d)" % (
                    seq, diff, len(data), len(want)))
                continue
            if seq in seen:
                st["duplicates"] += 1
                err("seq %d duplicated" % seq)
                continue
            if not args.start_seq <= seq < args.start_seq + args.count:
                st["foreign"] += 1
                err("seq %d outside the expected range" % seq)
                continue
            if seq != next_seq:
                if seq < next_seq:
                    st["out_of_order"] += 1
                    err("seq %d arrived after %d" % (seq, next_seq - 1))
                else:
                    err("gap: seq %d arrived, expected %d" % (seq, next_seq))
            next_seq = max(next_seq, seq + 1)
            seen.add(seq)
            st["valid"] += 1
            if st["first_seq"] is None:
                st["first_seq"] = seq
            st["last_seq"] = seq
            if st["valid"] >= expected and linger_until is None:
                # Everything is here: stay a little to catch duplicates/extras.
                linger_until = now + args.linger
    s.close()
    st["lost"] = expected - st["valid"]
    st["timed_out"] = timed_out
    st["elapsed_s"] = round(time.monotonic() - start, 3)
    st["stream_s"] = round(last_at - first_at, 3) if first_at is not None else None
    bad = (st["bad_source"] + st["bad_payload"] + st["foreign"] +
           st["duplicates"] + st["out_of_order"])
    st["ok"] = st["valid"] == expected and bad == 0 and st["received"] == st["valid"]
    out = json.dumps(st, indent=2 if args.pretty else None)
    if args.output:
        with open(args.output + ".tmp", "w") as f:
            f.write(out + "\n")
        os.rename(args.output + ".tmp", args.output)
    if not args.quiet:
        print(out, flush=True)
    return 0 if st["ok"] else 1


# ---------------------------------------------------------------- probe

def read_errqueue(s, fam):
    """Decode one sock_extended_err from the error queue, or None."""
    try:
        _, anc, _, _ = s.recvmsg(512, 1024, socket.MSG_ERRQUEUE)
    except OSError:
        return None
    for level, ctype, cdata in anc:
        if len(cdata) < 16:
            continue
        ee_errno, origin, etype, code, _pad, _info, _data = struct.unpack_from("=IBBBBII", cdata)
        offender = None
        off = cdata[16:]
        if len(off) >= 8 and struct.unpack_from("=H", off)[0] == socket.AF_INET:
            offender = socket.inet_ntop(socket.AF_INET, off[4:8])
        elif len(off) >= 24 and struct.unpack_from("=H", off)[0] == socket.AF_INET6:
            offender = socket.inet_ntop(socket.AF_INET6, off[8:24])
        return {"errno": errno.errorcode.get(ee_errno, str(ee_errno)),
                "origin": {2: "icmp", 3: "icmp6"}.get(origin, origin),
                "icmp_type": etype, "icmp_code": code, "offender": offender}
    return None


def cmd_probe(args):
    fam, host, port = parse_endpoint(args.dst)
    src = parse_endpoint(args.src) if args.src else None
    s = make_socket(fam, src)
    if fam == socket.AF_INET6:
        s.setsockopt(SOL_IPV6, IPV6_RECVERR, 1)
    else:
        s.setsockopt(SOL_IP, IP_RECVERR, 1)
    s.connect(sockaddr(fam, host, port))
    s.setblocking(False)
    result = {"dst": format_endpoint(fam, host, port),
              "src": sockaddr_to_text(fam, s.getsockname()),
              "sent": 0, "result": "timeout", "refused": False, "icmp": None,
              "reply": None}
    count = max(1, min(args.count, 100))
    deadline = time.monotonic() + min(args.timeout, MAX_TIME)
    poller = select.poll()
    poller.register(s, select.POLLIN | select.POLLERR)
    for i in range(count):
        try:
            s.send(b"rtptool-probe %d\n" % i)
            result["sent"] += 1
        except ConnectionRefusedError:
            result["result"] = "refused"
            break
        per_try = deadline if i == count - 1 else min(
            deadline, time.monotonic() + (deadline - time.monotonic()) / (count - i))
        done = False
        while time.monotonic() < per_try:
            ev = poller.poll(max(1, int((per_try - time.monotonic()) * 1000)))
            if not ev:
                continue
            _, mask = ev[0]
            if mask & select.POLLERR:
                result["icmp"] = read_errqueue(s, fam)
                result["result"] = "refused" if (result["icmp"] or {}).get(
                    "errno") == "ECONNREFUSED" else "error"
                done = True
                break
            try:
                data = s.recv(65535)
                result["result"] = "reply"
                result["reply"] = data[:64].decode("latin-1")
                done = True
                break
            except ConnectionRefusedError:
                result["result"] = "refused"
                done = True
                break
            except BlockingIOError:
                continue
        if done:
            break
    result["refused"] = result["result"] == "refused"
    s.close()
    print(json.dumps(result), flush=True)
    if args.expect:
        return 0 if result["result"] == args.expect else 1
    return 0


# ---------------------------------------------------------------- sniff

def mac_bytes(text):
    b = bytes(int(x, 16) for x in text.split(":"))
    if len(b) != 6:
        raise ValueError("%s is not a MAC address" % text)
    return b


def cmd_arp_reply(args):
    """Send ARP replies as a forger would: any Ethernet source, any sender MAC."""
    ETH_P_ARP = 0x0806
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((args.iface, 0))
    sha = mac_bytes(args.sender_mac)
    eth_src = mac_bytes(args.eth_src) if args.eth_src else sha
    dst = mac_bytes(args.dst_mac)
    frame = (dst + eth_src + struct.pack("!H", ETH_P_ARP) +
             struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) +
             sha + socket.inet_aton(args.sender_ip) + dst + socket.inet_aton(args.target_ip))
    count = min(args.count, 100000)
    gap = 1.0 / args.rate if args.rate > 0 else 0.0
    deadline = time.monotonic() + MAX_TIME
    sent = 0
    start = time.monotonic()
    while sent < count and time.monotonic() < deadline:
        s.send(frame)
        sent += 1
        if gap:
            delay = start + sent * gap - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    s.close()
    print(json.dumps({"sent": sent}), flush=True)
    return 0


def ip4_checksum(hdr):
    s = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def inet_checksum(data):
    """The Internet checksum (RFC 1071) of data, padded to an even length."""
    if len(data) % 2:
        data += b"\x00"
    return ip4_checksum(data)


def udp_frame(src_mac, dst_mac, src, dst, payload, fault=None):
    """An Ethernet frame with payload in UDP from src to dst ((family, host,
    port) as parse_endpoint gives them), every checksum right unless fault
    says otherwise: "ip-csum" (IPv4 only: one bit of the header checksum
    flipped), "udp-csum-zero" (UDP checksum 0: "none" in IPv4, forbidden in
    IPv6 by RFC 8200)."""
    fam, s_host, s_port = src
    _, d_host, d_port = dst
    saddr, daddr = socket.inet_pton(fam, s_host), socket.inet_pton(fam, d_host)
    udp_len = 8 + len(payload)
    if fam == socket.AF_INET:
        pseudo = saddr + daddr + struct.pack("!BBH", 0, 17, udp_len)
    else:
        pseudo = saddr + daddr + struct.pack("!I3xB", udp_len, 17)
    udp = struct.pack("!HHHH", s_port, d_port, udp_len, 0) + payload
    csum = inet_checksum(pseudo + udp) or 0xFFFF  # 0 is sent as 0xffff
    if fault == "udp-csum-zero":
        csum = 0
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    if fam == socket.AF_INET:
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 1, 0, 64, 17, 0,
                                   saddr, daddr))
        csum = ip4_checksum(bytes(ip))
        if fault == "ip-csum":
            csum ^= 0x0100
        struct.pack_into("!H", ip, 10, csum)
        return dst_mac + src_mac + b"\x08\x00" + bytes(ip) + udp
    if fault == "ip-csum":
        raise ValueError("an IPv6 header has no checksum")
    ip6 = struct.pack("!IHBB16s16s", 0x60000000, udp_len, 17, 64, saddr, daddr)
    return dst_mac + src_mac + b"\x86\xdd" + ip6 + udp


def cmd_raw_udp(args):
    """Send the RTP stream "send" would, as raw Ethernet frames built here, so
    that their checksums can be wrong on purpose: with --fault each frame is
    broken that way, with --with-good the well-formed frame of each sequence
    number goes first and the broken copy right after it."""
    src, dst = parse_endpoint(args.src), parse_endpoint(args.dst)
    if src[0] != dst[0]:
        raise ValueError("--src and --dst are of different families")
    if not 0 < args.count <= 100000:
        raise ValueError("--count must be 1..100000")
    if not 0 < args.rate <= MAX_RATE:
        raise ValueError("--rate must be 1..%d pps" % MAX_RATE)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((args.iface, 0))
    src_mac = mac_bytes(open("/sys/class/net/%s/address" % args.iface).read().strip())
    dst_mac = mac_bytes(args.dst_mac)
    deadline = time.monotonic() + min(args.timeout, MAX_TIME)
    good = bad = 0
    start = time.monotonic()
    seq = args.start_seq
    while seq < args.start_seq + args.count and time.monotonic() < deadline:
        delay = start + (seq - args.start_seq) / args.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        payload = build(args, seq)
        if args.with_good or not args.fault:
            s.send(udp_frame(src_mac, dst_mac, src, dst, payload))
            good += 1
        if args.fault:
            s.send(udp_frame(src_mac, dst_mac, src, dst, payload, args.fault))
            bad += 1
        seq += 1
    s.close()
    done = seq - args.start_seq
    print(json.dumps({"good": good, "bad": bad, "sequence_numbers": done,
                      "ok": done == args.count}), flush=True)
    return 0 if done == args.count else 1


def storm_templates(args, src_mac, dst_mac):
    """Valid frames of every kind the proxy parses, from this host to the proxy."""
    rng = random.Random(args.seed)
    src4, dst4 = socket.inet_aton(args.src_ip), socket.inet_aton(args.dst_ip)
    frames = []
    rtp = struct.pack("!BBHII", 0x80, 0, 1, 160, 0x5707) + bytes(160)
    rtcp = struct.pack("!BBHI", 0x80, 200, 6, 0x5707) + bytes(20)
    for port in args.ports + [rng.randrange(1024, 65536) for _ in range(4)]:
        for payload in (rtp, rtcp, b"\x00\x01\x00\x00\x21\x12\xa4\x42" + bytes(12),
                        b"\x16\xfe\xfd" + bytes(10)):
            udp = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload
            ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17,
                                       0, src4, dst4))
            struct.pack_into("!H", ip, 10, ip4_checksum(bytes(ip)))
            frames.append(dst_mac + src_mac + b"\x08\x00" + bytes(ip) + udp)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + src_mac + src4 + bytes(6) + dst4
    frames.append(dst_mac + src_mac + b"\x08\x06" + arp)
    # A TCP SYN to a media port (the kernel's, through the exception path).
    tcp = struct.pack("!HHIIBBHHH", 40000, args.ports[0] if args.ports else 20000, 1, 0, 0x50,
                      0x02, 65535, 0, 0)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0, src4, dst4))
    struct.pack_into("!H", ip, 10, ip4_checksum(bytes(ip)))
    frames.append(dst_mac + src_mac + b"\x08\x00" + bytes(ip) + tcp)
    if args.src_ip6 and args.dst_ip6:
        # IPv6: UDP to the same ports, and neighbour discovery (solicitation
        # and advertisement for the proxy's address) with the checksums right.
        src6, dst6 = socket.inet_pton(socket.AF_INET6, args.src_ip6), \
            socket.inet_pton(socket.AF_INET6, args.dst_ip6)
        for port in args.ports[:2] + [rng.randrange(1024, 65536)]:
            for payload in (rtp, rtcp):
                frames.append(udp_frame(src_mac, dst_mac, (socket.AF_INET6, args.src_ip6, 40000),
                                        (socket.AF_INET6, args.dst_ip6, port), payload))
        for icmp_type, target, opt_type in ((135, dst6, 1), (136, src6, 2)):
            body = struct.pack("!BBHI", icmp_type, 0, 0, 0x60000000 if icmp_type == 136 else 0) \
                + target + struct.pack("!BB", opt_type, 1) + src_mac
            pseudo = src6 + dst6 + struct.pack("!I3xB", len(body), 58)
            body = body[:2] + struct.pack("!H", inet_checksum(pseudo + body)) + body[4:]
            ip6 = struct.pack("!IHBB16s16s", 0x60000000, len(body), 58, 255, src6, dst6)
            frames.append(dst_mac + src_mac + b"\x86\xdd" + ip6 + body)
    return frames


def cmd_storm(args):
    """Send randomly mutated Ethernet/IPv4/IPv6/UDP/TCP/RTP/RTCP/STUN/DTLS/ARP/ND frames, as fast as
    this process can, bounded in count and time. MAC addresses stay whole, so the
    frames reach the proxy; everything after them may be broken."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((args.iface, 0))
    src_mac = mac_bytes(open("/sys/class/net/%s/address" % args.iface).read().strip())
    templates = storm_templates(args, src_mac, mac_bytes(args.dst_mac))
    rng = random.Random(args.seed)
    count = min(args.count, 10000000)
    deadline = time.monotonic() + min(args.seconds, MAX_TIME)
    sent = errors = 0
    start = time.monotonic()
    while sent < count and time.monotonic() < deadline:
        f = bytearray(rng.choice(templates))
        kind = rng.randrange(4)
        if kind == 0:    # a few bytes flipped anywhere past the MACs
            for _ in range(rng.randrange(1, 9)):
                f[rng.randrange(12, len(f))] ^= 1 << rng.randrange(8)
        elif kind == 1:  # cut short
            del f[rng.randrange(14, len(f)):]
        elif kind == 2:  # grown with garbage
            f += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        else:            # garbage after the Ethernet header
            f[14:] = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
        if len(f) < 60:
            f += bytes(60 - len(f))
        try:
            s.send(bytes(f))
            sent += 1
        except OSError:
            errors += 1
    elapsed = time.monotonic() - start
    s.close()
    print(json.dumps({"sent": sent, "errors": errors, "seconds": round(elapsed, 2),
                      "pps": int(sent / elapsed) if elapsed > 0 else 0}), flush=True)
    return 0


def cmd_sniff(args):
    """Count what arrives on an interface (AF_PACKET, incoming frames only)."""
    ETH_P_ALL = 3
    PACKET_OUTGOING = 4
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((args.iface, 0))
    s.settimeout(0.1)
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("%d\n" % os.getpid())
    st = {"iface": args.iface, "frames": 0, "arp": 0, "ipv4": 0, "ipv6": 0, "udp": 0,
          "icmp": 0, "icmp6": 0, "other": 0, "udp_flows": {}}
    deadline = time.monotonic() + min(args.duration, MAX_TIME)
    while time.monotonic() < deadline:
        try:
            frame, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] == PACKET_OUTGOING:
            continue
        st["frames"] += 1
        et = frame[12:14]
        if et == b"\x08\x06":
            st["arp"] += 1
            continue
        if et == b"\x08\x00" and len(frame) >= 34:
            st["ipv4"] += 1
            ihl = (frame[14] & 15) * 4
            proto, l4 = frame[23], 14 + ihl
            src = socket.inet_ntop(socket.AF_INET, frame[26:30])
            dst = socket.inet_ntop(socket.AF_INET, frame[30:34])
            fam = socket.AF_INET
        elif et == b"\x86\xdd" and len(frame) >= 54:
            st["ipv6"] += 1
            proto, l4 = frame[20], 54
            src = socket.inet_ntop(socket.AF_INET6, frame[22:38])
            dst = socket.inet_ntop(socket.AF_INET6, frame[38:54])
            fam = socket.AF_INET6
        else:
            st["other"] += 1
            continue
        if proto == 17 and len(frame) >= l4 + 4:
            st["udp"] += 1
            sp, dp = struct.unpack_from("!HH", frame, l4)
            flow = "%s -> %s" % (format_endpoint(fam, src, sp), format_endpoint(fam, dst, dp))
            if flow in st["udp_flows"] or len(st["udp_flows"]) < 20:
                st["udp_flows"][flow] = st["udp_flows"].get(flow, 0) + 1
        elif proto == 1:
            st["icmp"] += 1
        elif proto == 58:
            st["icmp6"] += 1
    s.close()
    out = json.dumps(st)
    if args.output:
        with open(args.output + ".tmp", "w") as f:
            f.write(out + "\n")
        os.rename(args.output + ".tmp", args.output)
    print(out, flush=True)
    return 0


# ---------------------------------------------------------------- rtcp-sr / rtcp-reflect
#
# A round trip as RFC 3550 section 6.4.1 measures it: "rtcp-sr" sends sender
# reports stamped with the NTP time; "rtcp-reflect" answers each with a
# receiver report that echoes the SR's middle 32 NTP bits (LSR) after holding
# it --hold-ms, and says it held it --dlsr-ms (DLSR). A proxy in between sees
# the SR pass and the RR come back: its round trip to the reflector is
# hold - dlsr (plus the wire).

RR_BLOCK = struct.Struct("!IIIIII")  # SSRC, fraction+cumulative, ext seq, jitter, LSR, DLSR
NTP_EPOCH_OFFSET = 2208988800


def ntp_now():
    t = time.time() + NTP_EPOCH_OFFSET
    sec = int(t)
    return sec & 0xFFFFFFFF, int((t - sec) * (1 << 32)) & 0xFFFFFFFF


def cmd_rtcp_sr(args):
    fam, host, port = parse_endpoint(args.dst)
    s = make_socket(fam, parse_endpoint(args.src) if args.src else None)
    s.settimeout(0.05)
    dst = sockaddr(fam, host, port)
    sent_lsr = set()
    st = {"sent": 0, "replies": 0, "echoed": 0, "foreign": 0}
    deadline = time.monotonic() + min(args.timeout, MAX_TIME)
    next_send = time.monotonic()
    while time.monotonic() < deadline:
        if st["sent"] < args.count and time.monotonic() >= next_send:
            sec, frac = ntp_now()
            s.sendto(SR_HDR.pack(0x80, 200, 6, args.ssrc, sec, frac, 0, st["sent"], 0), dst)
            sent_lsr.add(((sec & 0xFFFF) << 16) | (frac >> 16))
            st["sent"] += 1
            next_send = time.monotonic() + args.interval
        elif st["sent"] >= args.count and st["replies"] >= args.count:
            break
        try:
            data, _ = s.recvfrom(2048)
        except socket.timeout:
            continue
        if len(data) >= 8 + RR_BLOCK.size and data[1] == 201 and data[0] & 0x1F >= 1:
            st["replies"] += 1
            if RR_BLOCK.unpack_from(data, 8)[4] in sent_lsr:
                st["echoed"] += 1
        else:
            st["foreign"] += 1
    s.close()
    st["ok"] = st["sent"] == args.count and st["echoed"] == args.count
    print(json.dumps(st), flush=True)
    return 0 if st["ok"] else 1


def cmd_rtcp_reflect(args):
    fam, host, port = parse_endpoint(args.bind)
    s = make_socket(fam, (fam, host, port))
    s.settimeout(0.05)
    st = {"srs": 0, "rrs": 0, "foreign": 0}
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("%d\n" % os.getpid())
    deadline = time.monotonic() + min(args.timeout, MAX_TIME)
    while time.monotonic() < deadline and st["rrs"] < args.count:
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            continue
        if len(data) < SR_HDR.size or data[0] >> 6 != 2 or data[1] != 200:
            st["foreign"] += 1
            continue
        st["srs"] += 1
        _, _, _, ssrc, sec, frac = SR_HDR.unpack_from(data)[:6]
        time.sleep(args.hold_ms / 1000.0)
        block = RR_BLOCK.pack(ssrc, (args.fraction << 24) | (args.lost & 0xFFFFFF),
                              st["srs"], 0, ((sec & 0xFFFF) << 16) | (frac >> 16),
                              int(args.dlsr_ms * 65536 / 1000))
        s.sendto(struct.pack("!BBHI", 0x81, 201, 7, args.ssrc) + block, addr)
        st["rrs"] += 1
    s.close()
    st["ok"] = st["rrs"] == args.count
    print(json.dumps(st), flush=True)
    return 0 if st["ok"] else 1


# ---------------------------------------------------------------- main

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def stream_opts(sp):
        sp.add_argument("--count", type=int, default=1000, help="packets (default 1000)")
        sp.add_argument("--start-seq", type=int, default=0, help="first sequence number")
        sp.add_argument("--pattern", type=int, default=1,
                        help="payload pattern id; tells streams apart (default 1)")
        sp.add_argument("--ssrc", type=lambda v: int(v, 0), default=0x12345678)
        sp.add_argument("--pt", type=int, default=0, help="RTP payload type (default 0, PCMU)")
        sp.add_argument("--payload-size", type=int, default=160,
                        help="RTP payload bytes (default 160, 20 ms of G.711)")
        sp.add_argument("--ts-step", type=int, default=160, help="timestamp increment")
        sp.add_argument("--skip-every", type=int, default=0,
                        help="send: leave out every Nth sequence number (loss)")
        sp.add_argument("--rtcp", action="store_true",
                        help="RTCP compound packets (SR + APP) instead of RTP")
        sp.add_argument("--timeout", type=float, default=30.0, help="seconds, hard limit")
        sp.add_argument("--quiet", action="store_true")

    sp = sub.add_parser("send", help="send an RTP/RTCP stream")
    sp.add_argument("--dst", required=True, help="ADDR:PORT or [ADDR6]:PORT")
    sp.add_argument("--src", help="bind to this ADDR:PORT first")
    sp.add_argument("--rate", type=int, default=10000, help="packets per second (default 10000)")
    sp.add_argument("--receive-back", type=int, default=0, metavar="N",
                    help="also count what comes back to the sending socket (expect N)")
    sp.add_argument("--jitter-ms", type=float, default=0.0,
                    help="send each packet up to this late, uniformly (RFC 3550 jitter)")
    sp.add_argument("--seed", type=int, default=7, help="of --jitter-ms's draws")
    sp.add_argument("--start-delay", type=float, default=0.0,
                    help="seconds between binding (and reading) and the first packet")
    sp.add_argument("--ready-file", help="create this file once the socket is bound")
    sp.add_argument("--receive-linger", type=float, default=3.0,
                    help="after sending, wait this long for the N packets to come back")
    stream_opts(sp)
    sp.set_defaults(func=cmd_send)

    sp = sub.add_parser("recv", help="receive and verify a stream")
    sp.add_argument("--bind", required=True, help="ADDR:PORT to receive on")
    sp.add_argument("--expect-src", help="every packet must come from this ADDR:PORT")
    sp.add_argument("--idle-timeout", type=float, default=0,
                    help="stop this long after the last packet (0 = off)")
    sp.add_argument("--linger", type=float, default=0.3,
                    help="after the last expected packet, wait this long for extras")
    sp.add_argument("--ready-file", help="create this file once the socket is bound")
    sp.add_argument("--output", help="also write the JSON summary here")
    sp.add_argument("--pretty", action="store_true", help="indented JSON")
    sp.add_argument("--max-errors", type=int, default=10)
    stream_opts(sp)
    sp.set_defaults(func=cmd_recv)

    sp = sub.add_parser("rtcp-sr", help="send sender reports, count the echoes")
    sp.add_argument("--dst", required=True)
    sp.add_argument("--src")
    sp.add_argument("--count", type=int, default=3)
    sp.add_argument("--interval", type=float, default=0.3, help="seconds between SRs")
    sp.add_argument("--ssrc", type=lambda v: int(v, 0), default=0x5352)
    sp.add_argument("--timeout", type=float, default=10.0)
    sp.set_defaults(func=cmd_rtcp_sr)

    sp = sub.add_parser("rtcp-reflect", help="answer each SR with an RR echoing it")
    sp.add_argument("--bind", required=True)
    sp.add_argument("--count", type=int, default=3)
    sp.add_argument("--hold-ms", type=float, default=50.0, help="wait before answering")
    sp.add_argument("--dlsr-ms", type=float, default=10.0, help="the hold the RR declares")
    sp.add_argument("--lost", type=int, default=0, help="cumulative lost to report")
    sp.add_argument("--fraction", type=int, default=0, help="fraction lost to report, /256")
    sp.add_argument("--ssrc", type=lambda v: int(v, 0), default=0x5252)
    sp.add_argument("--ready-file")
    sp.add_argument("--timeout", type=float, default=10.0)
    sp.set_defaults(func=cmd_rtcp_reflect)

    sp = sub.add_parser("probe", help="one datagram; did ICMP port unreachable come back?")
    sp.add_argument("--dst", required=True)
    sp.add_argument("--src")
    sp.add_argument("--count", type=int, default=1, help="datagrams to try (default 1)")
    sp.add_argument("--timeout", type=float, default=2.0)
    sp.add_argument("--expect", choices=["refused", "timeout", "reply"],
                    help="exit 1 unless the result is this")
    sp.set_defaults(func=cmd_probe)

    sp = sub.add_parser("arp-reply", help="send (forged) ARP replies from an interface")
    sp.add_argument("--iface", required=True)
    sp.add_argument("--sender-ip", required=True, help="the address claimed")
    sp.add_argument("--sender-mac", required=True, help="the MAC claimed for it")
    sp.add_argument("--eth-src", help="Ethernet source (default: the sender MAC)")
    sp.add_argument("--dst-mac", required=True, help="Ethernet destination and target MAC")
    sp.add_argument("--target-ip", required=True)
    sp.add_argument("--count", type=int, default=10)
    sp.add_argument("--rate", type=float, default=100.0, help="per second (0: at once)")
    sp.set_defaults(func=cmd_arp_reply)

    sp = sub.add_parser("storm", help="send randomly mutated frames of every kind")
    sp.add_argument("--iface", required=True)
    sp.add_argument("--dst-mac", required=True, help="the proxy's MAC (kept whole)")
    sp.add_argument("--src-ip", required=True)
    sp.add_argument("--dst-ip", required=True)
    sp.add_argument("--src-ip6", help="also IPv6 frames (UDP, neighbour discovery) from this")
    sp.add_argument("--dst-ip6", help="... to this address of the proxy")
    sp.add_argument("--ports", type=lambda t: [int(x) for x in t.split(",")], default=[],
                    help="UDP ports to aim at besides random ones (comma separated)")
    sp.add_argument("--count", type=int, default=100000)
    sp.add_argument("--seconds", type=float, default=10.0)
    sp.add_argument("--seed", type=int, default=1)
    sp.set_defaults(func=cmd_storm)

    sp = sub.add_parser("raw-udp", help="an RTP stream in raw frames, checksums broken at will")
    sp.add_argument("--iface", required=True)
    sp.add_argument("--dst-mac", required=True, help="the proxy's MAC")
    sp.add_argument("--src", required=True, help="ADDR:PORT the frames claim to come from")
    sp.add_argument("--dst", required=True, help="ADDR:PORT or [ADDR6]:PORT")
    sp.add_argument("--rate", type=int, default=1000, help="sequence numbers per second")
    sp.add_argument("--fault", choices=["ip-csum", "udp-csum-zero"],
                    help="break every frame this way (default: send them well-formed)")
    sp.add_argument("--with-good", action="store_true",
                    help="with --fault: the well-formed frame first, then the broken copy")
    stream_opts(sp)
    sp.set_defaults(func=cmd_raw_udp)

    sp = sub.add_parser("sniff", help="count the frames arriving on an interface")
    sp.add_argument("--iface", required=True)
    sp.add_argument("--duration", type=float, default=2.0, help="seconds (default 2)")
    sp.add_argument("--ready-file", help="create this file once the socket is open")
    sp.add_argument("--output", help="also write the JSON summary here")
    sp.set_defaults(func=cmd_sniff)

    args = p.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as e:
        print("rtptool %s: %s" % (args.cmd, e), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
