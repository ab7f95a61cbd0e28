"""Container health check: is `fieldapp server` answering /v1/health on this host?

Tries HTTPS, then plain HTTP (behind a reverse proxy, --no-tls), on 127.0.0.1 and the port
in FIELDAPP_PORT (8765). The certificate is not checked: this probe never leaves the
container, and a self-signed certificate is the default. Exit 0 when healthy, else 1.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import urllib.request


def healthy(port: int) -> bool:
    unchecked = ssl.create_default_context()
    unchecked.check_hostname = False
    unchecked.verify_mode = ssl.CERT_NONE  # loopback probe only
    for scheme, context in (("https", unchecked), ("http", None)):
        try:
            with urllib.request.urlopen(  # noqa: S310 - fixed loopback URL
                    f"{scheme}://127.0.0.1:{port}/v1/health", timeout=4,
                    context=context) as answer:
                return json.load(answer).get("status") == "ok"
        except (OSError, ValueError):
            continue
    return False


if __name__ == "__main__":
    sys.exit(0 if healthy(int(os.environ.get("FIELDAPP_PORT", "8765"))) else 1)
