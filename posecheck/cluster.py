"""A batch on a Dask cluster: past one machine, on an engine that exists.

`posecheck analyze FOLDER --out DIR --scheduler ADDRESS` sends each file to
a Dask distributed cluster (a laptop's `--scheduler local`, a server, a
Kubernetes or HPC deployment) instead of this machine's processes. Nothing
else changes: each worker runs the same per-file task as `--jobs`
(batch.analyze_one), reads its input and writes its report folder by path,
and returns the small summary row; the client writes `summary.csv` and
`index.html` as with `--jobs`. So every worker must see the inputs and the
output folder at the same paths as the client (shared storage is the
deployment's job) and have posecheck installed.

Each worker thread loads the pose model once and keeps it for all its files
(cluster_plugin.PoseModels, a worker plugin), as a `--jobs` process does for its one file.
A file whose worker dies (killed for memory, a node lost) is run once more
on another worker, then marked failed: a local cluster is started with
`distributed.scheduler.allowed-failures` = 1 and `worker-saturation` = 1.0
(see LOCAL_CLUSTER_CONFIG); a remote scheduler uses its own settings
(Dask's default retries a task 3 times; README: set the same there).

Dask distributed is the optional extra `posecheck[cluster]`; the base
install does not need it.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posecheck.errors import PosecheckError

if TYPE_CHECKING:
    from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator
    from posecheck.pipeline import AnalyzeOptions

LOCAL = "local"
PLUGIN_NAME = "posecheck-pose-models"
# How long to wait for a remote scheduler before saying it cannot be reached.
CONNECT_TIMEOUT_S = 10
# A local cluster retries a file whose worker died once, then fails it; and
# sends a worker one file at a time: Dask counts a death against every task
# the dead worker held, so a file merely queued there would be blamed too
# (seen: an innocent file failed beside one that killed its worker twice).
# Its workers start with the environment a `--jobs` process has: Dask's
# nanny sets MALLOC_TRIM_THRESHOLD_=65536 by default, which stops glibc from
# keeping freed video frames (MBs each) for reuse; every frame is then
# mapped and zeroed afresh: +13-29% on a 70 s video, 6 videos 1.28x slower
# than --jobs.
LOCAL_CLUSTER_CONFIG: dict[str, object] = {
    "distributed.scheduler.allowed-failures": 1,
    "distributed.scheduler.worker-saturation": 1.0,
    "distributed.nanny.pre-spawn-environ": {},
}

Row = dict[str, Any]
Work = list[tuple[int, tuple[Path, str, "AnalyzeOptions", Path]]]
Task = Callable[[Path, str, "AnalyzeOptions", Path], Row]
# Runs a batch's work: (work, task, on_row(index, row)).
Runner = Callable[[Work, Task, Callable[[int, Row], None]], None]


def _distributed() -> Any:
    """The `distributed` module, or one line naming the extra to install."""
    try:
        import distributed
    except ImportError:
        raise PosecheckError("--scheduler needs Dask distributed: pip install 'posecheck[cluster]'") from None
    return distributed


def check_scheduler(address: str) -> None:
    """`local` or a scheduler address such as tcp://host:8786 (checked
    before any work); Dask must be installed.

    Raises:
        PosecheckError: no Dask, or not an address.
    """
    _distributed()
    if address != LOCAL and "://" not in address:
        raise PosecheckError(f"--scheduler {address}: give 'local' or a scheduler address like tcp://host:8786")


def worker_model(opts: AnalyzeOptions) -> MediaPipePoseEstimator | None:
    """The model this Dask worker thread keeps (see PoseModels); None when
    not running on a Dask worker with the plugin (a `--jobs` process loads
    its own for its one file)."""
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    try:
        worker = distributed.get_worker()
    except ValueError:  # not inside a Dask task
        return None
    plugin = worker.plugins.get(PLUGIN_NAME)  # cluster_plugin.PoseModels
    return None if plugin is None else plugin.model(opts)


@contextlib.contextmanager
def dask_runner(address: str, jobs: int) -> Iterator[Runner]:
    """Connect to the scheduler at `address` (or start a local cluster of
    `jobs` worker processes, one thread each) and yield a function that
    runs a batch's work there. Entered before the batch writes anything, so
    a scheduler that cannot be reached is one line and nothing is touched.

    Raises:
        PosecheckError: Dask missing, or the scheduler cannot be reached.
    """
    distributed = _distributed()
    import dask

    from posecheck.cluster_plugin import PoseModels

    with contextlib.ExitStack() as stack:
        if address == LOCAL:
            with dask.config.set(LOCAL_CLUSTER_CONFIG):
                cluster = stack.enter_context(
                    distributed.LocalCluster(
                        n_workers=jobs,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=":0",  # any free port: 8787 may be taken (a warning)
                        # A worker's death is the file's failed row, not a log line.
                        silence_logs=logging.CRITICAL,
                    )
                )
            client = stack.enter_context(distributed.Client(cluster))
        else:
            try:
                client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
            except Exception as exc:  # noqa: BLE001 - refused, timed out, a tls:// without certificates, ...
                raise PosecheckError(
                    f"--scheduler {address}: cannot reach the scheduler ({_first_line(exc)})"
                ) from None
            stack.enter_context(client)
        try:
            client.register_plugin(PoseModels(local=address == LOCAL), name=PLUGIN_NAME)
        except Exception as exc:  # noqa: BLE001 - raised on a worker: posecheck or its extra missing there
            raise PosecheckError(
                f"--scheduler {address}: the workers cannot load posecheck ({_first_line(exc)}); "
                "install posecheck on every worker"
            ) from None
        yield lambda work, task, on_row: _run(client, work, task, on_row)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _run(client: Any, work: Work, task: Task, on_row: Callable[[int, Row], None]) -> None:
    """Run `task` on every item on the cluster; `on_row(index, row)` as
    each ends, in finishing order. A file whose workers died gives a failed
    row."""
    import distributed

    from posecheck.batch import failed_row, failure_reason

    batch_id = uuid.uuid4().hex[:8]
    futures = {
        client.submit(task, *args, key=f"posecheck-{batch_id}-{index}", pure=False): (index, args[0])
        for index, args in work
    }
    for future in distributed.as_completed(futures):
        index, path = futures.pop(future)
        try:
            row = future.result()
        except distributed.KilledWorker:
            row = failed_row(path, "its worker died on every try (out of memory?)")
        except CancelledError:  # the scheduler went away: the file was not (all) done
            row = failed_row(path, "the cluster's scheduler was lost before this file was done; rerun to resume")
        except Exception as exc:  # noqa: BLE001 - a worker's failure is this file's row (posecheck missing there, say)
            row = failed_row(path, failure_reason(exc, path))
        on_row(index, row)
