"""Container health probe: `python -m autoloan_crm.healthcheck [/healthz] [/readyz] ...`.

Requests each path from the local web server and exits 0 only if every one answers 200. Pure
standard library and no Django import, so it is cheap to run every few seconds.
"""

import os
import sys
import urllib.request


def main(paths: list[str]) -> int:
    base = os.environ.get("HEALTHCHECK_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}")
    for path in paths or ["/healthz"]:
        try:
            with urllib.request.urlopen(f"{base}{path}", timeout=5) as response:  # noqa: S310 - local http only
                if response.status != 200:
                    print(f"{path}: HTTP {response.status}", file=sys.stderr)
                    return 1
        except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy"
            print(f"{path}: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
