#!/usr/bin/python3
"""dnsdelay.py - a DNS forwarder that answers slowly, or not at all (tests).

usage: dnsdelay.py --listen PORT --upstream PORT [--slow ZONE --delay MS]
                   [--drop FILE] [--ready FILE]

Listens on 127.0.0.1:PORT (UDP and TCP), forwards every query unchanged
to 127.0.0.1:UPSTREAM (same transport) and sends the answer back.
--slow/--delay: for a query whose name is ZONE or under it, the answer
leaves no earlier than MS milliseconds after the query came in.
--drop: FILE has lines "NAME [TYPE...]"; a query for exactly NAME (not
its subdomains) is dropped unless its type is one of the TYPEs (A,
AAAA, MX, TXT, SPF, PTR, CNAME, NS, SOA), so the client times out: the
openspf suite's TIMEOUT, which unbound's "local-zone deny" cannot do
for one name and one type.  Each query is handled in its own thread, so
ten slow queries at once cost one delay, not ten.  Creates the --ready
file once both sockets listen.  Standard library only; stops on SIGTERM.
The real server stays the real one: this only adds latency and loss,
which unbound cannot be told to do per name.
"""
import argparse
import os
import signal
import socket
import struct
import threading
import time


TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
         "TXT": 16, "AAAA": 28, "SPF": 99}


def question(msg):
    """The question of a DNS message: name (lower case, no trailing dot,
    labels as Latin-1 text) and type."""
    labels, i = [], 12
    while i < len(msg):
        n = msg[i]
        if n == 0 or n >= 0xC0:
            break
        labels.append(msg[i + 1:i + 1 + n].decode("latin-1").lower())
        i += 1 + n
    qtype = int.from_bytes(msg[i + 1:i + 3], "big") if i + 3 <= len(msg) else 0
    return ".".join(labels), qtype


def read_drops(path):
    """NAME -> the set of types still answered."""
    drops = {}
    with open(path, encoding="latin-1") as f:
        for line in f:
            w = line.split()
            if w:
                drops[w[0].lower().rstrip(".")] = {TYPES[t] for t in w[1:]}
    return drops


class Forwarder:
    def __init__(self, port, upstream, zone, delay_ms, drops):
        self.upstream = ("127.0.0.1", upstream)
        self.zone = zone.lower().rstrip(".") if zone else None
        self.delay = delay_ms / 1000.0
        self.drops = drops
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", port))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", port))
        self.tcp.listen(64)

    def slow(self, msg):
        n, _ = question(msg)
        return self.zone is not None and (n == self.zone or
                                          n.endswith("." + self.zone))

    def dropped(self, msg):
        n, t = question(msg)
        return n in self.drops and t not in self.drops[n]

    def hold(self, msg, t0):
        if self.slow(msg):
            left = t0 + self.delay - time.monotonic()
            if left > 0:
                time.sleep(left)

    def udp_one(self, msg, peer, t0):
        if self.dropped(msg):
            return
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(10)
        try:
            s.sendto(msg, self.upstream)
            ans, _ = s.recvfrom(65535)
        except OSError:
            return  # the upstream dropped it: so do we
        finally:
            s.close()
        self.hold(msg, t0)
        self.udp.sendto(ans, peer)

    def udp_loop(self):
        while True:
            msg, peer = self.udp.recvfrom(65535)
            threading.Thread(target=self.udp_one, daemon=True,
                             args=(msg, peer, time.monotonic())).start()

    @staticmethod
    def read_msg(s):
        hdr = b""
        while len(hdr) < 2:
            c = s.recv(2 - len(hdr))
            if not c:
                return None
            hdr += c
        n = struct.unpack("!H", hdr)[0]
        body = b""
        while len(body) < n:
            c = s.recv(n - len(body))
            if not c:
                return None
            body += c
        return body

    def tcp_one(self, conn):
        with conn:
            conn.settimeout(10)
            try:
                while True:
                    msg = self.read_msg(conn)
                    if msg is None:
                        return
                    t0 = time.monotonic()
                    if self.dropped(msg):
                        continue
                    with socket.create_connection(self.upstream, 10) as up:
                        up.sendall(struct.pack("!H", len(msg)) + msg)
                        ans = self.read_msg(up)
                    if ans is None:
                        return
                    self.hold(msg, t0)
                    conn.sendall(struct.pack("!H", len(ans)) + ans)
            except OSError:
                return

    def tcp_loop(self):
        while True:
            conn, _ = self.tcp.accept()
            threading.Thread(target=self.tcp_one, args=(conn,),
                             daemon=True).start()


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--upstream", type=int, required=True)
    ap.add_argument("--slow")
    ap.add_argument("--delay", type=int, default=0)
    ap.add_argument("--drop")
    ap.add_argument("--ready")
    a = ap.parse_args()
    f = Forwarder(a.listen, a.upstream, a.slow, a.delay,
                  read_drops(a.drop) if a.drop else {})
    signal.signal(signal.SIGTERM, lambda *x: os._exit(0))
    threading.Thread(target=f.tcp_loop, daemon=True).start()
    if a.ready:
        with open(a.ready, "w") as r:
            r.write("%d\n" % os.getpid())
    f.udp_loop()


if __name__ == "__main__":
    main()
