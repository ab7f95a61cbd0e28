"""fieldapp core: profile and keys, encrypted store, media, audit log, exports, CLI.

The core imports neither Qt nor any network library: it runs and is tested with no
display and no network.
"""

__version__ = "0.1.0"

#: One reverse-DNS id used everywhere (desktop file, Qt, packaging, data dirs).
APP_ID = "org.fieldapp.FieldApp"
APP_NAME = "fieldapp"
