"""Build-time tools (not imported by the app)."""
