"""The Dask worker plugin that keeps the pose model (see cluster.py).

A module of its own because it subclasses Dask's `WorkerPlugin`: it is
imported only where Dask distributed is installed (the `cluster` extra).
"""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Any

from distributed import WorkerPlugin

from posecheck.cluster import PLUGIN_NAME

if TYPE_CHECKING:
    from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator
    from posecheck.pipeline import AnalyzeOptions


class PoseModels(WorkerPlugin):
    """One pose model per worker thread, loaded at the thread's first video
    and kept until the worker closes (a model follows one video at a time,
    so threads do not share one). Sent to the workers empty.

    Args:
        local: the workers of `--scheduler local` (see setup).
    """

    name = PLUGIN_NAME
    # A second batch on the same cluster keeps the first one's plugin (and
    # models) instead of tearing it down under files still being analysed.
    idempotent = True

    def __init__(self, local: bool = False) -> None:
        self.local = local
        self._models: dict[tuple[int, str], MediaPipePoseEstimator] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"local": self.local}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["local"])  # type: ignore[misc]

    def setup(self, worker: Any) -> None:
        """A local cluster's workers share the terminal of `posecheck
        analyze`: Ctrl-C reaches them too, and each printed Dask's traceback.
        The batch itself stops them (`posecheck: interrupted`)."""
        if self.local and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    def model(self, opts: AnalyzeOptions) -> MediaPipePoseEstimator:
        """This thread's model for `opts.model` (None: the bundled one)."""
        from posecheck.io.sources.mediapipe_pose import MediaPipePoseEstimator

        key = (threading.get_ident(), str(opts.model))
        with self._lock:
            found = self._models.get(key)
        if found is None:
            found = MediaPipePoseEstimator(opts.model, workers=opts.workers)
            with self._lock:
                self._models[key] = found
        return found

    def teardown(self, worker: Any) -> None:
        """Dask calls this as the worker closes: release the models."""
        with self._lock:
            models, self._models = list(self._models.values()), {}
        for model in models:
            model.close()
