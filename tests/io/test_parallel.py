"""The ordered parallel map that reads a video's frames on every core."""

from __future__ import annotations

import threading

import pytest

from posecheck.io.sources.parallel import IN_FLIGHT_PER_WORKER, ordered_parallel_map, usable_cores


def test_results_come_in_input_order_whatever_order_they_finish_in():
    # Item 0 waits until item 1 has finished: it finishes last, yet comes first.
    one_done = threading.Event()

    def fn(x: int) -> int:
        if x == 0:
            assert one_done.wait(30), "item 1 never ran beside item 0"
        if x == 1:
            one_done.set()
        return x * 10

    out = list(ordered_parallel_map(fn, ((f"k{i}", i) for i in range(9)), workers=2))
    assert out == [(f"k{i}", i * 10) for i in range(9)]


def test_two_workers_run_two_calls_at_once():
    both_in = threading.Barrier(2, timeout=30)  # breaks (and fails the test) if calls run one at a time

    def fn(x: int) -> int:
        both_in.wait()
        return x

    assert [y for _, y in ordered_parallel_map(fn, enumerate(range(4)), workers=2)] == [0, 1, 2, 3]


def test_one_worker_runs_in_the_callers_thread():
    caller = threading.get_ident()
    seen = {y for _, y in ordered_parallel_map(lambda _x: threading.get_ident(), enumerate(range(3)), workers=1)}
    assert seen == {caller}


def test_the_input_is_read_only_a_bounded_window_ahead():
    taken: list[int] = []

    def items():
        for i in range(1000):
            taken.append(i)
            yield i, i

    results = ordered_parallel_map(lambda x: x, items(), workers=2)
    assert next(results) == (0, 0)
    results.close()
    assert len(taken) <= 2 * IN_FLIGHT_PER_WORKER + 1


def test_an_error_in_a_call_is_raised_in_order_and_stops_the_rest():
    calls: list[int] = []

    def fn(x: int) -> int:
        calls.append(x)
        if x == 3:
            raise ValueError("frame 3 is broken")
        return x

    got = []
    with pytest.raises(ValueError, match="frame 3"):
        for _, y in ordered_parallel_map(fn, enumerate(range(100)), workers=2):
            got.append(y)
    assert got == [0, 1, 2]
    assert len(calls) < 100  # what had not started was cancelled


def test_usable_cores_is_at_least_one():
    assert usable_cores() >= 1
