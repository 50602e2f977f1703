#!/usr/bin/python3
"""dnsdelay.py - a DNS forwarder that answers slowly for one zone (tests).

usage: dnsdelay.py PORT UPSTREAM_PORT ZONE DELAY_MS [READY_FILE]

Listens on 127.0.0.1:PORT (UDP and TCP), forwards every query unchanged
to 127.0.0.1:UPSTREAM_PORT (same transport) and sends the answer back;
for a query whose name is ZONE or under it, the answer leaves no
earlier than DELAY_MS milliseconds after the query came in.  Each query
is handled in its own thread, so ten slow queries at once cost one
delay, not ten.  Creates READY_FILE once both sockets listen.  Standard
library only; stops on SIGTERM.  The real server stays the real one:
this only adds latency, which unbound cannot be told to do per zone.
"""
import os
import signal
import socket
import struct
import sys
import threading
import time


def qname(msg):
    """The question name of a DNS message, lower case, no trailing dot."""
    labels, i = [], 12
    while i < len(msg):
        n = msg[i]
        if n == 0 or n >= 0xC0:
            break
        labels.append(msg[i + 1:i + 1 + n].decode("latin-1").lower())
        i += 1 + n
    return ".".join(labels)


class Forwarder:
    def __init__(self, port, upstream, zone, delay_ms):
        self.upstream = ("127.0.0.1", upstream)
        self.zone = zone.lower().rstrip(".")
        self.delay = delay_ms / 1000.0
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", port))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", port))
        self.tcp.listen(64)

    def slow(self, msg):
        n = qname(msg)
        return n == self.zone or n.endswith("." + self.zone)

    def hold(self, msg, t0):
        if self.slow(msg):
            left = t0 + self.delay - time.monotonic()
            if left > 0:
                time.sleep(left)

    def udp_one(self, msg, peer, t0):
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
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    f = Forwarder(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3],
                  int(sys.argv[4]))
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    threading.Thread(target=f.tcp_loop, daemon=True).start()
    if len(sys.argv) == 6:
        with open(sys.argv[5], "w") as r:
            r.write("%d\n" % os.getpid())
    f.udp_loop()


if __name__ == "__main__":
    main()
