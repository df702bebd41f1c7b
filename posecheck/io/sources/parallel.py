"""Running a frame-independent function over a stream of frames on several
threads, results in input order.

For native code that releases the GIL (MediaPipe's landmarker): on two
cores two frames are read at once. The window of frames in flight is
bounded, so a long video never queues up in memory.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

K = TypeVar("K")
X = TypeVar("X")
Y = TypeVar("Y")

# Frames in flight per worker: one being read, one waiting, so a worker
# never idles while the caller takes the last result.
IN_FLIGHT_PER_WORKER = 2


def usable_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def ordered_parallel_map(fn: Callable[[X], Y], items: Iterable[tuple[K, X]], workers: int) -> Iterator[tuple[K, Y]]:
    """(key, fn(x)) for each (key, x), in input order, up to `workers` calls
    at once. `fn` must be safe to call from `workers` threads together.

    The first exception raised by `fn` is raised here, in order; leaving
    the loop early (an error, Ctrl-C) cancels what has not started and
    waits for the calls running (a frame each).
    """
    if workers <= 1:
        for key, x in items:
            yield key, fn(x)
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="posecheck-pose")
    pending: deque[tuple[K, Future[Y]]] = deque()
    try:
        for key, x in items:
            pending.append((key, pool.submit(fn, x)))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                done_key, fut = pending.popleft()
                yield done_key, fut.result()
        while pending:
            done_key, fut = pending.popleft()
            yield done_key, fut.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
