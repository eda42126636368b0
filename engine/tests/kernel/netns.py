#!/usr/bin/env python3
"""Sockets inside network namespaces for the kernel differential test (engine/tests/kernel.rs).

serve NAME=NETNS:PORT[,PORT...] ...
    One process listens in every namespace: it enters each namespace with setns(2), opens its
    sockets there (a socket stays in the namespace it was created in), and answers every
    connection with one line, "NAME SOURCE_IP SOURCE_PORT", then closes it. Prints "ready"
    once every socket listens.

connect NETNS IP PORT COUNT TIMEOUT
    COUNT connections, one after another, from inside NETNS. One line per connection:
    "answered NAME SOURCE_IP SOURCE_PORT", "refused", "timeout", "unreachable" or "error TEXT".
"""

import ctypes
import errno
import os
import selectors
import socket
import sys

CLONE_NEWNET = 0x40000000
LIBC = ctypes.CDLL(None, use_errno=True)


def enter(netns):
    fd = os.open(f"/var/run/netns/{netns}", os.O_RDONLY)
    try:
        if LIBC.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {netns}: {os.strerror(err)}")
    finally:
        os.close(fd)


def serve(specs):
    selector = selectors.DefaultSelector()
    for spec in specs:
        name, rest = spec.split("=", 1)
        netns, ports = rest.rsplit(":", 1)
        enter(netns)
        for port in ports.split(","):
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("0.0.0.0", int(port)))
            listener.listen(512)
            listener.setblocking(False)
            selector.register(listener, selectors.EVENT_READ, name)
    print("ready", flush=True)
    while True:
        for key, _ in selector.select():
            try:
                conn, (ip, port) = key.fileobj.accept()
            except BlockingIOError:
                continue
            try:
                conn.setblocking(True)
                conn.settimeout(1.0)
                conn.sendall(f"{key.data} {ip} {port}\n".encode())
            except OSError:
                pass
            finally:
                conn.close()


def connect(netns, ip, port, count, timeout):
    enter(netns)
    out = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect((ip, port))
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(256)
                if not chunk:
                    break
                data += chunk
            out.append("answered " + data.decode().strip())
        except ConnectionRefusedError:
            out.append("refused")
        except (socket.timeout, TimeoutError):
            out.append("timeout")
        except OSError as error:
            if error.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
                out.append("unreachable")
            else:
                out.append(f"error {error}")
        finally:
            sock.close()
    print("\n".join(out), flush=True)


def main():
    if sys.argv[1] == "serve":
        serve(sys.argv[2:])
    elif sys.argv[1] == "connect":
        netns, ip, port, count, timeout = sys.argv[2:7]
        connect(netns, ip, int(port), int(count), float(timeout))
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")


if __name__ == "__main__":
    main()
