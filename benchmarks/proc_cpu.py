"""CPU time of other processes, from /proc (Linux): what a server, PostgreSQL or the S3 server spent.

A process group's CPU is the sum, over its live processes, of user + system time of the process and
of its waited-for children (fields 14–17 of /proc/<pid>/stat): a worker or backend that exited is
counted in its parent's children's time, so the sum only grows. `kis serve` (started by LiveServer
in a session of its own), PostgreSQL's postmaster (pg_ctl starts it with setsid) and the S3 server of
the load benchmark each lead their own group. The resolution is one clock tick (10 ms here): divide a
difference over many requests.
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> list[str] | None:
    """The fields after the command name (the first is the state, field 3), or None if it is gone."""
    try:
        text = (Path("/proc") / pid / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def group_cpu_s(pgid: int) -> float:
    """CPU seconds spent so far by process group `pgid` (its live processes and their reaped children)."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat(entry)
        if fields is not None and int(fields[2]) == pgid:  # field 5: pgrp
            ticks += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / TICKS_PER_S


def group_size(pgid: int) -> int:
    """How many live processes group `pgid` has (a PostgreSQL server's: postmaster, backends, helpers)."""
    return sum(
        1
        for entry in os.listdir("/proc")
        if entry.isdigit() and (fields := _stat(entry)) is not None and int(fields[2]) == pgid
    )


def process_cpu_s(pid: int) -> float:
    """CPU seconds spent so far by process `pid` itself (user + system); 0.0 once it is gone."""
    fields = _stat(str(pid))
    return 0.0 if fields is None else sum(int(value) for value in fields[11:13]) / TICKS_PER_S
