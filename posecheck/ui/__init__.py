"""What a person sees and hears: the live trainer, the overlay drawn on
each frame, sound cues, and the safety notice shown before the first
session."""
