"""The key that signs the traffic history: from a setting, a file (a mounted Secret), or made per process.

Only history signed with this key is believed (app.model.history); without a configured key each process
makes its own, so entries another process (or an earlier run) signed read as outside changes.
"""

from __future__ import annotations

import secrets

from app.settings import Settings

KEY_BYTES = 32


def history_key(settings: Settings) -> bytes:
    """The configured history key, or a fresh random one; ValueError when the key file is unusable."""
    if settings.history_key_file is not None:
        try:
            text = settings.history_key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ValueError(f"cannot read the history key file {settings.history_key_file}: {exc}") from exc
        if not text:
            raise ValueError(f"the history key file {settings.history_key_file} is empty")
        return text.encode()
    if settings.history_key:
        return settings.history_key.encode()
    return secrets.token_bytes(KEY_BYTES)
