#!/usr/bin/python3
"""Probe targets the lab's cloud does not run by itself, for the health lab tests (standard
library only).

  probe_targets.py dns ADDRESS [--port 53]
      Answers every A query with one record (203.0.113.10) and anything else with NOTIMP.
  probe_targets.py http ADDRESS [--port 80]
      Answers every GET with 204 No Content.
  probe_targets.py https ADDRESS --cert PEM --key PEM [--port 443]
      The same over TLS.

Each prints READY once bound and exits 0 on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import http.server
import signal
import ssl
import socket
import struct
import sys

ANSWER_ADDRESS = bytes([203, 0, 113, 10])


def dns_reply(query: bytes) -> bytes | None:
    if len(query) < 12:
        return None
    ident, flags, qdcount = struct.unpack_from("!HHH", query)
    if flags & 0x8000 or qdcount != 1:
        return None
    end = 12
    while end < len(query) and query[end] != 0:
        end += 1 + query[end]
    if end + 5 > len(query):
        return None
    question = query[12:end + 5]
    qtype, _qclass = struct.unpack_from("!HH", query, end + 1)
    rd = flags & 0x0100
    if qtype == 1:
        header = struct.pack("!HHHHHH", ident, 0x8080 | rd, 1, 1, 0, 0)
        answer = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + ANSWER_ADDRESS
        return header + question + answer
    return struct.pack("!HHHHHH", ident, 0x8084 | rd, 1, 0, 0, 0) + question


def serve_dns(address: str, port: int) -> int:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((address, port))
    print("READY", flush=True)
    while True:
        data, peer = sock.recvfrom(2048)
        reply = dns_reply(data)
        if reply:
            sock.sendto(reply, peer)


class NoContent(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (the http.server naming)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args):
        pass


def serve_http(address: str, port: int, cert: str | None = None, key: str | None = None) -> int:
    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in address else socket.AF_INET
    server = Server((address, port), NoContent)
    if cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("READY", flush=True)
    server.serve_forever()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["dns", "http", "https"])
    parser.add_argument("address")
    parser.add_argument("--port", type=int)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    if args.kind == "dns":
        return serve_dns(args.address, args.port or 53)
    if args.kind == "https":
        return serve_http(args.address, args.port or 443, args.cert, args.key)
    return serve_http(args.address, args.port or 80)


if __name__ == "__main__":
    sys.exit(main())
