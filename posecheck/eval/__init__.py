"""Measuring posecheck against truth: the accuracy benchmark on rendered
samples and hand-labelled real clips (`python -m posecheck.eval.accuracy`)."""
