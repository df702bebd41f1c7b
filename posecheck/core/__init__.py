"""How a frame is judged: numpy and the standard library only.

Landmarks in, events out: geometry and named body measures, smoothing,
metrics, the exercise state machine, safety and fatigue monitors, the
session that runs them frame by frame, and the analysis of a whole
recorded track. Nothing here touches a camera, a model, a window or a
database, so all of it runs (and is tested) on recorded landmark tracks.
"""
