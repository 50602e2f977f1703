#!/usr/bin/python3
# t/lab/syslogd.py - a minimal syslog receiver for the lab's Sendmail.
#
# usage: syslogd.py SOCKET LOGFILE PIDFILE
#
# Sendmail logs only through syslog(3), that is to /dev/log.  The lab
# starts Sendmail in a private mount namespace whose /dev/log is a
# symbolic link to SOCKET (t/lab/sendmail.sh), and this program appends
# every datagram received there to LOGFILE as one line ("<22>" priority
# prefix removed).  It writes its PID to PIDFILE once the socket is
# bound, so that the caller can wait for it, and runs until SIGTERM.
# Only the standard library; nothing outside the given paths is touched.
import os
import re
import signal
import socket
import sys


def main():
    path, logfile, pidfile = sys.argv[1:4]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    prio = re.compile(rb"^<[0-9]{1,3}>")
    with open(logfile, "ab", buffering=0) as out:
        with open(pidfile + ".tmp", "w") as p:
            p.write("%d\n" % os.getpid())
        os.rename(pidfile + ".tmp", pidfile)
        while True:
            data = sock.recv(65536)
            data = prio.sub(b"", data).rstrip(b"\r\n\0")
            out.write(data.replace(b"\n", b" ") + b"\n")


if __name__ == "__main__":
    try:
        main()
    finally:
        try:
            os.unlink(sys.argv[1])
        except (OSError, IndexError):
            pass
