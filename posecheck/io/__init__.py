"""What touches the outside world: video files and cameras (cv2), the pose
model (mediapipe), progress bars, reports, the session log and the history
database (sqlite3).

Each module turns one kind of outside thing into the core's plain data or
back, with one-line errors for what the user's files or devices get wrong.
"""
