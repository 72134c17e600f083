#!/usr/bin/python3
"""UDP echo server and probe for the uplinkd lab (standard library only).

  udp_echo.py serve [--port 7]
      Echoes every datagram back to its sender on all IPv4 and IPv6 addresses of the namespace.
      Prints READY once bound; exits 0 on SIGTERM/SIGINT.

  udp_echo.py probe HOST [--port 7] [--device IFACE] [--count N] [--interval-ms MS]
                        [--size BYTES] [--wait-ms MS] [--json]
      Sends N numbered datagrams paced by the interval while collecting the echoes, then waits
      up to --wait-ms after the last send for stragglers. Prints a summary (or JSON): sent,
      received, loss, round-trip times, and the rate at which echoes arrived. Exit 0 when at
      least one echo came back, 1 when none did.
"""

from __future__ import annotations

import argparse
import json
import select
import signal
import socket
import struct
import sys
import time

HEADER = struct.Struct("!4sIQ")   # magic, sequence number, send time (ns, monotonic)
MAGIC = b"ULAB"


# Linux's IP_PKTINFO; Python's socket module does not export it.
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
IN_PKTINFO = struct.Struct("=i4s4s")      # ifindex, spec_dst, addr
IN6_PKTINFO = struct.Struct("=16si")      # addr, ifindex


def serve(port: int) -> int:
    # One socket per family, each told the destination address of every datagram, so that the
    # echo leaves from the address the probe aimed at (cloud has several service addresses; a
    # reply from another one would not match the carrier's NAT state and would be dropped).
    v4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    v4.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    v4.bind(("0.0.0.0", port))
    v6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    v6.bind(("::", port))

    def stop(_signum, _frame):
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("READY", flush=True)
    while True:
        readable, _, _ = select.select([v4, v6], [], [])
        for sock in readable:
            data, ancillary, _, peer = sock.recvmsg(65535, 256)
            reply_info = []
            for level, kind, value in ancillary:
                if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
                    _, _, dst = IN_PKTINFO.unpack_from(value)
                    reply_info = [(level, kind, IN_PKTINFO.pack(0, dst, bytes(4)))]
                elif level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO:
                    dst, _ = IN6_PKTINFO.unpack_from(value)
                    reply_info = [(level, kind, IN6_PKTINFO.pack(dst, 0))]
            try:
                sock.sendmsg([data], reply_info, 0, peer)
            except OSError as e:  # e.g. no route back: keep serving the others
                print(f"udp-echo: reply to {peer[0]} failed: {e}", file=sys.stderr, flush=True)


def probe(args) -> int:
    infos = socket.getaddrinfo(args.host, args.port, type=socket.SOCK_DGRAM)
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_DGRAM)
    if args.device:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, args.device.encode())
    sock.setblocking(False)
    size = max(args.size, HEADER.size)
    interval = args.interval_ms / 1000.0
    rtts = {}
    errors = 0
    first_rx = last_rx = None
    sent = 0
    start = time.monotonic()
    next_send = start
    deadline = None
    while True:
        now = time.monotonic()
        if sent < args.count and now >= next_send:
            payload = HEADER.pack(MAGIC, sent, time.monotonic_ns()).ljust(size, b"\0")
            try:
                sock.sendto(payload, address)
            except OSError:
                errors += 1  # unreachable, no route: counts as sent and lost
            sent += 1
            next_send = start + sent * interval
            if sent == args.count:
                deadline = time.monotonic() + args.wait_ms / 1000.0
            continue
        wake = next_send if sent < args.count else deadline
        timeout = max(0.0, wake - time.monotonic())
        readable, _, _ = select.select([sock], [], [], timeout)
        if readable:
            while True:
                try:
                    data = sock.recv(65535)
                except BlockingIOError:
                    break
                except OSError:
                    errors += 1  # an ICMP error reported on the socket
                    break
                if len(data) < HEADER.size:
                    continue
                magic, seq, sent_ns = HEADER.unpack_from(data)
                if magic != MAGIC or seq in rtts:
                    continue
                rtts[seq] = (time.monotonic_ns() - sent_ns) / 1e6
                last_rx = time.monotonic()
                first_rx = first_rx or last_rx
        if sent == args.count and (time.monotonic() >= deadline or len(rtts) == args.count):
            break
    received = len(rtts)
    values = sorted(rtts.values())
    result = {
        "host": args.host, "port": args.port, "device": args.device,
        "sent": sent, "received": received,
        "loss_percent": round(100.0 * (sent - received) / sent, 2) if sent else 0.0,
        "send_errors": errors,
        "rtt_ms": {"min": values[0], "avg": sum(values) / received, "max": values[-1],
                   "p50": values[received // 2]} if values else None,
        # Echo arrival rate in kbit/s of payload, over the span from first to last echo
        # (received - 1): the first echo opens the span, each later one completes an interval.
        "rx_kbit_per_s": (round((received - 1) * size * 8 / 1000.0 / (last_rx - first_rx), 1)
                          if received > 1 and last_rx > first_rx else None),
    }
    if args.json:
        print(json.dumps(result))
    else:
        rtt = result["rtt_ms"]
        print(f"{args.host}:{args.port} sent {sent} received {received} "
              f"loss {result['loss_percent']}%"
              + (f" rtt min/avg/max {rtt['min']:.2f}/{rtt['avg']:.2f}/{rtt['max']:.2f} ms"
                 if rtt else ""))
    return 0 if received else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="udp_echo.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, default=7)
    p = sub.add_parser("probe")
    p.add_argument("host")
    p.add_argument("--port", type=int, default=7)
    p.add_argument("--device", help="bind to this interface (SO_BINDTODEVICE)")
    p.add_argument("--count", type=int, default=5)
    p.add_argument("--interval-ms", type=float, default=10.0)
    p.add_argument("--size", type=int, default=64, help="datagram payload bytes")
    p.add_argument("--wait-ms", type=float, default=500.0,
                   help="how long to wait for echoes after the last send")
    p.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.mode == "serve":
        return serve(args.port)
    if args.count < 1:
        parser.error("--count must be at least 1")
    return probe(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
