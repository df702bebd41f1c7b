"""posecheck: a pose-checking trainer for spine, neck and back exercises.

Data flow: frame source -> pose estimator -> smoothing -> metrics -> exercise
state machine and safety rules -> events -> report and overlay. Everything
after the estimator is pure (numpy and stdlib only) and runs on recorded
landmark tracks.
"""

__version__ = "0.1.0"
