"""Every API endpoint, found in the URL resolver (the same enumeration drf-spectacular uses), so a new
endpoint is covered by the matrix, PII and fuzz tests without anyone listing it."""

import re
from dataclasses import dataclass

from drf_spectacular.generators import EndpointEnumerator


@dataclass(frozen=True)
class Endpoint:
    path: str  # OpenAPI style: /api/complaints/{id}/classify/
    method: str
    basename: str
    action: str
    detail: bool

    @property
    def id(self) -> str:
        return f"{self.method} {self.path} ({self.basename}.{self.action})"

    def url(self, pk=None) -> str:
        return re.sub(r"\{[^}]+\}", str(pk), self.path) if self.detail else self.path


def api_endpoints() -> list[Endpoint]:
    rows = []
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        if not path.startswith("/api/") or path.startswith("/api/schema") or path.startswith("/api/docs"):
            continue
        actions = getattr(callback, "actions", None) or {}
        basename = (getattr(callback, "initkwargs", None) or {}).get("basename") or ""
        action = actions.get(method.lower(), "")
        rows.append(Endpoint(path=path, method=method, basename=basename, action=action, detail="{" in path))
    return sorted(set(rows), key=lambda e: (e.path, e.method))
