#!/usr/bin/env python3
# A tiny TCP service that can be reloaded without refusing a connection (examples/reload.conf):
# it binds its port with SO_REUSEPORT (so a second copy can listen beside it), says READY=1 on
# $NOTIFY_FD once it listens, answers every connection with its pid, and on SIGTERM stops
# listening and exits. Usage: reuseport-service.py PORT [SILENT_FILE]; while SILENT_FILE exists
# it never says READY (how the tests make a new copy that fails to become ready).
import os
import signal
import socket
import sys

port = int(sys.argv[1])
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
server.bind(("127.0.0.1", port))
server.listen(128)

notify_fd = int(os.environ.get("NOTIFY_FD", "0"))
silent = len(sys.argv) > 2 and os.path.exists(sys.argv[2])
if notify_fd >= 3 and not silent:
    os.write(notify_fd, b"READY=1\n")


def stop(_signum, _frame):
    server.close()
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
while True:
    connection, _ = server.accept()
    try:
        connection.sendall(f"{os.getpid()}\n".encode())
    finally:
        connection.close()
