"""Container images as the simulated registry resolves them: a stable fake digest per reference."""

from __future__ import annotations

import hashlib


def image_digest(image: str) -> str:
    """A stable fake digest for an image reference (`repo@sha256:...`)."""
    if "@" in image:
        return image
    slash = image.rfind("/")
    repository = image if ":" not in image[slash + 1 :] else image[: image.rfind(":")]
    return f"{repository}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"
