"""Frame sources and pose estimators: the only modules that touch cv2 or MediaPipe."""
