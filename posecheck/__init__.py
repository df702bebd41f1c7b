"""posecheck: a pose-checking trainer for spine, neck and back exercises.

Data flow: frame source -> pose estimator -> smoothing -> metrics -> exercise
state machine and safety monitors -> events -> report and overlay. The
layers (README "How the code is laid out"): `spec` (what an exercise is),
`core` (how a frame is judged; numpy and the standard library only), `io`
(video, model, files, database) and `ui` (what a person sees and hears).

The public API, for a script or a notebook. A whole recorded track::

    from posecheck import LandmarkTrack, analyze_track, load_exercise

    exercise = load_exercise("neck_side_tilt_hold")  # a bundled id, or a path to a .toml
    track = LandmarkTrack.load(Path("samples/neck_side_tilt_short_front.npz"))
    result = analyze_track(track, exercise)
    print(len(result.reps), [round(h.duration_s, 1) for h in result.holds], [w.rule for w in result.warnings])

Frame by frame, as the live trainer feeds camera frames::

    from posecheck import ExerciseSession

    session = ExerciseSession(exercise, frame_size=track.frame_size, camera_roll_deg=track.camera_roll_deg)
    for i, t_s in enumerate(track.t_s):
        update = session.update(float(t_s), track.image_xyz[i], track.visibility[i], track.world_xyz[i])
        for event in update.events:
            print(f"{event.t_s:5.1f} s  {event.kind}")

A bad exercise file, routine or track raises `PosecheckError` with one line
that names the file, the key and what is allowed.
"""

from posecheck.core.analysis import AnalysisResult, analyze_track
from posecheck.core.session import ExerciseSession
from posecheck.core.track import LandmarkTrack
from posecheck.errors import PosecheckError
from posecheck.spec import load_exercise, load_routine

__version__ = "0.4.0"

__all__ = [
    "AnalysisResult",
    "ExerciseSession",
    "LandmarkTrack",
    "PosecheckError",
    "__version__",
    "analyze_track",
    "load_exercise",
    "load_routine",
]
