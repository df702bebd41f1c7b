"""Frame sources and the pose model adapter: the only modules that import
cv2's video reader or mediapipe."""
