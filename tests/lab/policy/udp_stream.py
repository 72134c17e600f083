#!/usr/bin/python3
"""A numbered, timestamped UDP stream for failover tests and the failover benchmark (stdlib only).

  udp_stream.py receive --port 9000 [--bind ::] --out FILE
      Prints READY, then appends one JSON line per datagram: seq, sent_ns, recv_ns, src.
  udp_stream.py send --target 203.0.113.10 --port 9000 --rate 200 [--duration S] [--sport P]
      Sends `rate` datagrams per second (seq and send time, CLOCK_REALTIME in ns) until killed
      or for `duration` seconds. Send errors (no route during a failover) are counted, not fatal.

Both ends run on one host (in different network namespaces), so they share one clock.
"""
import argparse
import json
import signal
import socket
import struct
import sys
import time

HEADER = struct.Struct("!QQ")  # seq, sent_ns


def receive(args) -> int:
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind((args.bind, args.port))
    out = open(args.out, "a", buffering=1)
    print("READY", flush=True)
    while True:
        data, peer = sock.recvfrom(2048)
        now = time.time_ns()
        if len(data) < HEADER.size:
            continue
        seq, sent = HEADER.unpack_from(data)
        src = peer[0]
        if src.startswith("::ffff:"):
            src = src[7:]
        out.write(json.dumps({"seq": seq, "sent_ns": sent, "recv_ns": now, "src": src}) + "\n")


def send(args) -> int:
    family = socket.AF_INET6 if ":" in args.target else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    if args.sport:
        sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", args.sport))
    if args.tos:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, args.tos)
    interval = 1.0 / args.rate
    padding = b"\0" * max(0, args.size - HEADER.size)
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    start = time.monotonic()
    seq = errors = 0
    while not stop[0] and (args.duration <= 0 or time.monotonic() - start < args.duration):
        try:
            sock.sendto(HEADER.pack(seq, time.time_ns()) + padding, (args.target, args.port))
        except OSError:
            errors += 1
        seq += 1
        next_at = start + seq * interval
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(json.dumps({"sent": seq, "errors": errors}), flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("receive")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--bind", default="::")
    r.add_argument("--out", required=True)
    s = sub.add_parser("send")
    s.add_argument("--target", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--rate", type=float, default=200)
    s.add_argument("--duration", type=float, default=0)
    s.add_argument("--sport", type=int, default=0)
    s.add_argument("--size", type=int, default=64)
    s.add_argument("--tos", type=int, default=0)
    args = parser.parse_args()
    return receive(args) if args.command == "receive" else send(args)


if __name__ == "__main__":
    sys.exit(main())
