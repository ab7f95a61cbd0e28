"""The desktop app (PySide6). Imports fieldapp and sync.client; no SQL, no crypto here."""
