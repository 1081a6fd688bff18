"""Fault switches for the reliability tests: a PostgreSQL that can be stopped and started again on the
same data directory and port, and a TCP proxy in front of the S3 server that can refuse connections
(S3 "down") or add latency, while the S3 server behind it keeps its objects.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time

from tests.postgres_server import TemporaryPostgres


class RestartablePostgres(TemporaryPostgres):
    """TemporaryPostgres that `halt`s (the server process ends, its data stays) and `resume`s on the same
    data directory, port and options (`pg_ctl restart` reads them back from postmaster.opts)."""

    def halt(self, mode: str = "immediate") -> None:
        """Stop the server: `immediate` drops every connection at once, like a crash of the database."""
        self._pg_ctl("-m", mode, "-w", "stop")

    def resume(self) -> None:
        """Start the server again with the options of its first start; returns once it accepts connections."""
        self._pg_ctl("-l", str(self.root / "log"), "-w", "restart")
        self.wait_until_ready()

    def accepts_connections(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def _pg_ctl(self, *args: str) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), *args)
        except subprocess.CalledProcessError as exc:
            raise AssertionError(
                f"pg_ctl {' '.join(args)} failed ({exc.returncode}):\n{exc.stdout!r}\n{exc.stderr!r}"
            ) from None


class SwitchableProxy:
    """A loopback TCP proxy to `upstream`. `down()` closes the listening socket and every open
    connection (new connections are refused); `up()` listens again on the same port. `latency_s` delays
    every chunk a client sends, to slow the store down without stopping it."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self.latency_s = 0.0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def is_up(self) -> bool:
        return self._listener is not None

    def up(self) -> SwitchableProxy:
        if self._listener is not None:
            return self
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + 10
        while True:  # the same port again: sockets of the previous life may linger for a moment
            try:
                listener.bind(("127.0.0.1", self.port))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        listener.listen(256)
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping = threading.Event()
        threading.Thread(target=self._accept, args=(listener, self._stopping), daemon=True).start()
        return self

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        self._stopping.set()
        listener.close()
        with self._lock:
            connections, self._open = list(self._open), set()
        for connection in connections:
            _close(connection)

    def _accept(self, listener: socket.socket, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            client.settimeout(None)
            server.settimeout(None)
            with self._lock:
                if stopping.is_set():
                    _close(client)
                    _close(server)
                    return
                self._open |= {client, server}
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, delayed: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if delayed and self.latency_s:
                    time.sleep(self.latency_s)
                target.sendall(chunk)
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(source)
                self._open.discard(target)
            _close(source)
            _close(target)


def _close(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        connection.close()
