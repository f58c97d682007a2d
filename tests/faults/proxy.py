"""A TCP proxy in front of PostgreSQL that a test switches between forward, refuse and black-hole.

The fault tests break the database of a real server process without touching the
shared PostgreSQL server: the server's DATABASE_URL points at this proxy instead.
"""

import select
import socket
import struct
import threading
import time
from typing import Literal

Mode = Literal["forward", "refuse", "black-hole"]


def _reset(sock: socket.socket) -> None:
    """Close with an RST, as a crashed server or a firewall's reject would."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class DatabaseProxy:
    """Listen on 127.0.0.1:<free port> and relay to ``upstream``, or fail the way ``mode`` says.

    - forward: relay bytes both ways.
    - refuse: nothing listens (connect gets ECONNREFUSED); every relayed connection is reset.
    - black-hole: connections are accepted and never answered; relayed ones are reset
      first, as when the server behind a hung host or load balancer went away.

    ``cut_on`` trips a wire: the first client message containing those bytes is not
    relayed and its connection is reset, a fault in the middle of a request.
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.mode: Mode = "forward"
        self.cut_on: bytes | None = None
        self.cut = threading.Event()
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port: int = probe.getsockname()[1]
        probe.close()
        self._lock = threading.Lock()
        self._relays: dict[threading.Thread, threading.Event] = {}
        self._held: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._applied = threading.Event()
        self._stopped = threading.Event()
        self._listen()
        self._thread = threading.Thread(target=self._accept_loop, name="db-proxy", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener

    def set_mode(self, mode: Mode) -> None:
        """Switch, and return once the new behaviour is in force."""
        with self._lock:
            self.mode = mode
            self._applied.clear()
            relays = list(self._relays.items())
            held, self._held = self._held, []
        if mode != "forward":
            for thread, stop in relays:
                stop.set()
                thread.join(timeout=2)
        for sock in held:
            _reset(sock)
        if not self._applied.wait(timeout=2):
            raise RuntimeError("the proxy's accept loop did not apply the mode")

    def close(self) -> None:
        self.set_mode("refuse")
        self._stopped.set()
        self._thread.join(timeout=2)

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            if self.mode == "refuse" and self._listener is not None:
                self._listener.close()
                self._listener = None
            elif self.mode != "refuse" and self._listener is None:
                self._listen()
            self._applied.set()
            if self._listener is None:
                time.sleep(0.02)
                continue
            readable, _, _ = select.select([self._listener], [], [], 0.02)
            if not readable:
                continue
            client, _ = self._listener.accept()
            with self._lock:
                if self.mode == "black-hole":
                    self._held.append(client)
                    continue
                stop = threading.Event()
                thread = threading.Thread(target=self._relay, args=(client, stop), daemon=True)
                self._relays[thread] = stop
            thread.start()

    def _relay(self, client: socket.socket, stop: threading.Event) -> None:
        upstream: socket.socket | None = None
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
            upstream.settimeout(None)
            while not stop.is_set():
                readable, _, _ = select.select([client, upstream], [], [], 0.02)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is client and self.cut_on is not None and self.cut_on in data:
                        self.cut.set()
                        return
                    (upstream if sock is client else client).sendall(data)
        except OSError:
            pass
        finally:
            _reset(client)
            if upstream is not None:
                _reset(upstream)
            with self._lock:
                self._relays.pop(threading.current_thread(), None)
