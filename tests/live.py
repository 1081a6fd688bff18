"""Run the real service as subprocesses for tests (live cluster, fault, smoke and benchmark tests).

`LiveServer` starts `kis serve` (or `python -m uvicorn --factory kis_estimator.api.main:app`) on a free
loopback port with an explicit environment, waits for /healthz, and stops it with SIGTERM (graceful) or
SIGKILL (a crash). Its stdout and stderr go to files, readable at any time (also after it exited).
`run_kis` and `create_api_key` run the `kis` command with the same environment. `read_sse` parses a
server-sent event stream into frames.

The environment a process gets is the test's own minus every variable the service's settings would read
(so a developer's DATABASE_URL never leaks in), plus a rate limit far above what tests send
(RATE_LIMIT_PER_MINUTE=100000), plus `env`. The working directory is a private temporary
directory unless one is given, so no `.env` file and no `./var/` of the repository is picked up.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx

from kis_estimator.settings import Settings

__all__ = [
    "LiveServer",
    "SseFrame",
    "SseReader",
    "create_api_key",
    "free_port",
    "iter_sse",
    "kis_executable",
    "read_sse",
    "run_kis",
    "service_env",
]

Mode = Literal["serve", "uvicorn"]
_SETTING_NAMES = {name.upper() for name in Settings.model_fields}


def free_port() -> int:
    """A TCP port free on loopback right now (another process may still take it: LiveServer retries)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def kis_executable() -> str:
    """The `kis` console script of the running interpreter's environment (the venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "kis"
    if beside.exists():
        return str(beside)
    found = shutil.which("kis")
    if found is None:
        raise RuntimeError("the `kis` command is not installed (pip install -e .)")
    return found


def service_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ without the service's settings, then `env` on top (values turned into strings)."""
    clean = {name: value for name, value in os.environ.items() if name.upper() not in _SETTING_NAMES}
    clean["PYTHONUNBUFFERED"] = "1"
    clean["RATE_LIMIT_PER_MINUTE"] = "100000"  # tests write faster than people; `env` may set a limit
    clean.update({name: str(value) for name, value in (env or {}).items()})
    return clean


def embedded_env(folder: str | Path, **settings: object) -> dict[str, str]:
    """The embedded default (SQLite and files) under `folder`, quiet and without the recalculation lint,
    with `settings` (NAME=value) on top."""
    return {
        "DATABASE_URL": f"sqlite:///{folder}/kis.db",
        "STORAGE_URL": f"file://{folder}/blobs",
        "KIS_DOC_RECALC": "0",
        "LOG_LEVEL": "WARNING",
        **{name: str(value) for name, value in settings.items()},
    }


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:]) or "(empty)"


def run_kis(
    env: Mapping[str, str],
    *args: str,
    cwd: str | Path | None = None,
    timeout_s: float = 120.0,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run `kis ARGS…` with `env` (see `service_env`); with `check`, a non-zero exit fails with its output."""
    with contextlib.ExitStack() as stack:
        if cwd is None:
            cwd = stack.enter_context(tempfile.TemporaryDirectory(prefix="kis-cli-"))
        done = subprocess.run(
            [kis_executable(), *args],
            env=service_env(env),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    if check and done.returncode != 0:
        raise AssertionError(
            f"`kis {' '.join(args)}` exited with {done.returncode}\n"
            f"--- stdout ---\n{_tail(done.stdout)}\n--- stderr ---\n{_tail(done.stderr)}"
        )
    return done


def create_api_key(
    env: Mapping[str, str], role: str = "estimator", name: str = "live test", cwd: str | Path | None = None
) -> str:
    """A new API key made by `kis keys create --role ROLE` (the key is the last line of its stdout)."""
    done = run_kis(env, "keys", "create", "--role", role, "--name", name, cwd=cwd)
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    if not lines:
        raise AssertionError(f"`kis keys create` printed no key; stderr:\n{_tail(done.stderr)}")
    return lines[-1]


class LiveServer:
    """One service process on 127.0.0.1:<port>; `start()` returns once /healthz answers 200.

    mode "serve" runs `kis serve --host --port --workers`; mode "uvicorn" runs
    `python -m uvicorn --factory kis_estimator.api.main:app` (no embedded set-up, no first admin key).
    The process is the leader of its own session, so `kill()` also takes down uvicorn's workers.
    """

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        mode: Mode = "serve",
        port: int | None = None,
        workers: int = 1,
        name: str | None = None,
        cwd: str | Path | None = None,
        extra_args: Iterable[str] = (),
    ) -> None:
        self.env = dict(env)
        self.mode = mode
        self.host = "127.0.0.1"
        self._fixed_port = port
        self.port = port or 0
        self.workers = workers
        self.name = name or f"kis-{mode}"
        self.extra_args = list(extra_args)
        self._own_dir = cwd is None
        self.cwd = Path(cwd) if cwd is not None else Path(tempfile.mkdtemp(prefix="kis-live-"))
        self.stdout_path = self.cwd / f"{self.name}.stdout.log"
        self.stderr_path = self.cwd / f"{self.name}.stderr.log"
        self.process: subprocess.Popen[bytes] | None = None

    # --- life cycle -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self._proc().pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def command(self) -> list[str]:
        if self.mode == "serve":
            head = [kis_executable(), "serve", "--host", self.host, "--port", str(self.port)]
            return [*head, "--workers", str(self.workers), *self.extra_args]
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "kis_estimator.api.main:app",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "10",
            *self.extra_args,
        ]

    def spawn(self) -> LiveServer:
        """Start the process without waiting for it (pair with `wait_ready`, e.g. to start several at once)."""
        if self.running:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        if self._fixed_port is None:
            self.port = free_port()
        with self.stdout_path.open("ab") as out, self.stderr_path.open("ab") as err:
            self.process = subprocess.Popen(
                self.command(),
                env=service_env(self.env),
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        return self

    def wait_ready(self, timeout_s: float = 30.0) -> LiveServer:
        """Poll /healthz until 200; fail with the process's stderr if it exits or the time runs out."""
        process = self._proc()
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=1.0) as client:
            while True:
                code = process.poll()
                if code is not None:
                    raise RuntimeError(
                        f"{self.name} ({' '.join(self.command())}) exited with {code} before /healthz "
                        f"answered.\n--- stderr ---\n{_tail(self.stderr())}\n--- stdout ---\n"
                        f"{_tail(self.stdout())}"
                    )
                with contextlib.suppress(httpx.TransportError):
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return self
                if time.monotonic() > deadline:
                    self.kill()
                    raise TimeoutError(
                        f"{self.name} did not answer /healthz on {self.url} within {timeout_s:.0f} s.\n"
                        f"--- stderr ---\n{_tail(self.stderr())}"
                    )
                time.sleep(0.1)

    def start(self, timeout_s: float = 30.0, attempts: int = 3) -> LiveServer:
        """spawn + wait_ready; on a port taken between choosing and binding, retry with another port."""
        for attempt in range(attempts):
            self.spawn()
            try:
                return self.wait_ready(timeout_s)
            except RuntimeError:
                port_lost = "address already in use" in self.stderr().lower()
                if not port_lost or self._fixed_port is not None or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def terminate(self) -> None:
        """Send SIGTERM (graceful shutdown) and return at once."""
        if self.running:
            os.kill(self.pid, signal.SIGTERM)

    def wait(self, timeout_s: float = 15.0) -> int:
        """The exit code (negative: killed by that signal); TimeoutError if still running after timeout_s."""
        try:
            return self._proc().wait(timeout_s)
        except subprocess.TimeoutExpired:
            raise TimeoutError(
                f"{self.name} (pid {self.pid}) still running after {timeout_s:.0f} s.\n"
                f"--- stderr ---\n{_tail(self.stderr())}"
            ) from None

    def stop(self, timeout_s: float = 15.0) -> int:
        """SIGTERM and wait for the exit code; if it does not exit in time, SIGKILL it and raise."""
        if self.process is None:
            raise RuntimeError(f"{self.name} was never started")
        self.terminate()
        try:
            return self.wait(timeout_s)
        except TimeoutError:
            self.kill()
            raise

    def kill(self) -> int | None:
        """SIGKILL the process and its workers (its session), like a crash; returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        return self.process.wait(10)

    def close(self) -> None:
        """Kill whatever still runs and remove the private working directory (logs included)."""
        self.kill()
        if self._own_dir:
            shutil.rmtree(self.cwd, ignore_errors=True)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- output -----------------------------------------------------------------------------------

    def stdout(self) -> str:
        return (
            self.stdout_path.read_text(encoding="utf-8", errors="replace")
            if self.stdout_path.exists()
            else ""
        )

    def stderr(self) -> str:
        return (
            self.stderr_path.read_text(encoding="utf-8", errors="replace")
            if self.stderr_path.exists()
            else ""
        )

    def log_records(self) -> list[dict[str, Any]]:
        """stderr as JSON records; a line that is not a JSON object becomes {"unparsed": line}."""
        records: list[dict[str, Any]] = []
        for line in self.stderr().splitlines():
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            records.append(record if isinstance(record, dict) else {"unparsed": line})
        return records

    def client(self, **options: Any) -> httpx.Client:
        """An httpx client on this server's URL (timeout 30 s unless given)."""
        options.setdefault("timeout", 30.0)
        return httpx.Client(base_url=self.url, **options)

    def _proc(self) -> subprocess.Popen[bytes]:
        if self.process is None:
            raise RuntimeError(f"{self.name} was never started")
        return self.process

    def __repr__(self) -> str:
        state = "running" if self.running else f"exit {self.returncode}"
        return f"<LiveServer {self.name} {self.url} {state}>"


# --- server-sent events ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SseFrame:
    """One dispatched SSE event: `event`, `id` (None when the frame had no id line), `data` (JSON-decoded
    when it is JSON, else the raw text). The service's frames carry {"type", "data", "meta"}."""

    event: str | None
    id: str | None
    data: Any

    @property
    def type(self) -> str | None:
        return self.data.get("type") if isinstance(self.data, dict) else self.event

    @property
    def meta(self) -> Any:
        return self.data.get("meta") if isinstance(self.data, dict) else None

    @property
    def payload(self) -> Any:
        return self.data.get("data") if isinstance(self.data, dict) else None


def iter_sse(lines: Iterable[str]) -> Iterator[SseFrame]:
    """Frames from the lines of an event stream (frames without data, like `retry:`, are skipped)."""
    event: str | None = None
    event_id: str | None = None
    data: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if data:
                text = "\n".join(data)
                try:
                    parsed: Any = json.loads(text)
                except ValueError:
                    parsed = text
                yield SseFrame(event, event_id, parsed)
            event, event_id, data = None, None, []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "data":
            data.append(value)
        elif field == "event":
            event = value
        elif field == "id":
            event_id = value


class SseReader:
    """Frames of one streamed httpx response, read a little at a time (`next`, `until`); `frames` holds
    every frame read so far. Give the client a read timeout so that a stuck stream fails."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.frames: list[SseFrame] = []
        self._source = iter_sse(response.iter_lines())

    def next(self) -> SseFrame:
        """The next frame; AssertionError if the stream ended."""
        try:
            frame = next(self._source)
        except StopIteration:
            raise AssertionError(f"the event stream ended after {len(self.frames)} frame(s)") from None
        self.frames.append(frame)
        return frame

    def until(self, types: Iterable[str] = ("DONE", "ERROR"), max_frames: int = 10_000) -> list[SseFrame]:
        """Frames up to and including the first whose type is in `types`, or to the end of the stream."""
        stop, read = set(types), []
        for frame in self._source:
            self.frames.append(frame)
            read.append(frame)
            if frame.type in stop or len(read) >= max_frames:
                break
        return read


def read_sse(response: httpx.Response, until: Iterable[str] = ("DONE", "ERROR")) -> list[SseFrame]:
    """A streamed response's frames up to and including the first DONE or ERROR (or the stream's end)."""
    return SseReader(response).until(until)
