"""The coordinator's desk: the review queue, duplicates, and the notes that reach monitors."""
