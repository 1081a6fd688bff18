"""CPU time of other processes, from /proc (Linux): what a server, PostgreSQL or the S3 server spent.

A process tree's CPU is the sum, over the process and its live descendants, of the user + system time
of each and of its waited-for children (fields 14–17 of /proc/<pid>/stat): a worker or backend that
exited is counted in its parent's children's time, so the sum only grows. The tree follows parent
links, not process groups: PostgreSQL's backends each lead a group of their own (the postmaster's
children call setsid), but they are all the postmaster's children. The resolution is one clock tick
(10 ms here): divide a difference over many requests.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> list[str] | None:
    """The fields after the command name (the first is the state, field 3), or None if it is gone."""
    try:
        text = (Path("/proc") / pid / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def tree_cpu_s(root: int) -> float:
    """CPU seconds spent so far by process `root`, its live descendants and the children they reaped."""
    return sum(tree_cpu_split_s(root))


def tree_cpu_split_s(root: int) -> tuple[float, float]:
    """`tree_cpu_s` as (user, system) seconds: system time is the kernel's work for the tree (file
    writes, fsync, sockets), which moves with the disk's state more than user time does."""
    children: defaultdict[int, list[int]] = defaultdict(list)
    ticks: dict[int, tuple[int, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat(entry)
        if fields is not None:
            children[int(fields[1])].append(int(entry))  # field 4: the parent's pid
            utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
            ticks[int(entry)] = (utime + cutime, stime + cstime)
    user = system = 0
    pending = [root]
    while pending:
        pid = pending.pop()
        spent = ticks.get(pid, (0, 0))
        user, system = user + spent[0], system + spent[1]
        pending += children.get(pid, [])
    return user / TICKS_PER_S, system / TICKS_PER_S


def process_cpu_s(pid: int) -> float:
    """CPU seconds spent so far by process `pid` itself (user + system); 0.0 once it is gone."""
    fields = _stat(str(pid))
    return 0.0 if fields is None else sum(int(value) for value in fields[11:13]) / TICKS_PER_S
