"""Long values cut for tables: what is shown and how much was left out.

An annotation or environment value can be hundreds of kilobytes; a table shows its start and says how
much more there is, and the full value stays in the object's YAML.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clipped:
    """`shown` is the start of the text; `more` how many characters were left out (0: none)."""

    shown: str
    more: int

    @property
    def mark(self) -> str:
        """What tells the reader the value goes on, e.g. "… (244 KB more)"; "" when nothing was cut."""
        return f"… ({size_text(self.more)} more)" if self.more else ""


def clip(text: str, limit: int) -> Clipped:
    """`text` cut to `limit` characters."""
    if len(text) <= limit:
        return Clipped(text, 0)
    return Clipped(text[:limit], len(text) - limit)


def size_text(count: int) -> str:
    """A size in characters or bytes for people: "900 bytes", "244 KB", "3.1 MB"."""
    if count < 1024:
        return f"{count} bytes" if count != 1 else "1 byte"
    if count < 1024 * 1024:
        return f"{count // 1024} KB"
    return f"{count / (1024 * 1024):.1f} MB"
