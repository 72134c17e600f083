#!/usr/bin/python3
"""Bulk traffic for the alert-latency benchmark: UDP datagrams at a fixed bit rate to one target
(inside the lab) until killed."""
import argparse
import socket
import time

parser = argparse.ArgumentParser()
parser.add_argument("target")
parser.add_argument("--port", type=int, default=9)
parser.add_argument("--kbit", type=float, default=3000)
parser.add_argument("--size", type=int, default=1200)
args = parser.parse_args()
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setblocking(False)
payload = b"b" * args.size
interval = args.size * 8 / (args.kbit * 1000)
next_send = time.monotonic()
while True:
    try:
        sock.sendto(payload, (args.target, args.port))
    except (BlockingIOError, OSError):
        pass  # a full queue drops bulk, which is what bulk is for
    next_send += interval
    delay = next_send - time.monotonic()
    if delay > 0:
        time.sleep(delay)
