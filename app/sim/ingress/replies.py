"""What the lab's applications answer: the istio-tutorial chain customer => preference => recommendation.

Each service of the chain calls the next through the mesh, so a request to `customer` reaches a
`preference` and a `recommendation` pod too. The body names the services reached, then the VERSION
of the revision the request entered and that pod's own request count, e.g.
`customer => preference => recommendation v4 from 'customer-v4-deployment-5d4f9c-abcde': 3`.
A service outside the chain answers for itself: `hello v1 from 'hello-00001-deployment-...': 1`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.model.probestats import VERSION_VAR, env_value

LAB_CHAIN = ("customer", "preference", "recommendation")
CONTENT_TYPE = "text/plain;charset=UTF-8"


def callee(service: str) -> str | None:
    """The service `service` calls (None at the end of the lab's chain, or outside it)."""
    following = LAB_CHAIN[LAB_CHAIN.index(service) + 1 :] if service in LAB_CHAIN else ()
    return following[0] if following else None


def version_of(revision: Mapping[str, Any]) -> str:
    """The revision's VERSION env value (the token probes attribute answers by), else its name."""
    return env_value(revision, VERSION_VAR) or str(revision["metadata"]["name"])


def body(services: Sequence[str], version: str, pod: str, count: int) -> str:
    """The answer text, newline-terminated."""
    return f"{' => '.join(services)} {version} from '{pod}': {count}\n"
