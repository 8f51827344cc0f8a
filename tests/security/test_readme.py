"""The README's settings table is the one Settings' fields make (so a new setting cannot go undocumented)."""

from __future__ import annotations

import re
from pathlib import Path

from app.settings import settings_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_lists_every_setting_as_the_fields_describe_it() -> None:
    found = re.search(
        r"<!-- settings-table:[^>]*-->\n(.*?)\n<!-- /settings-table -->", README.read_text(), re.DOTALL
    )
    assert found, "README.md lost its settings-table markers"
    assert found.group(1) == settings_table(), (
        "README.md's settings table is stale: paste the output of\n"
        "  .venv/bin/python -c 'from app.settings import settings_table; print(settings_table())'"
    )


def test_the_security_section_says_what_reading_and_writing_require_in_each_mode() -> None:
    text = README.read_text()
    section = text[text.index("## Security\n") :]
    section = section[: section.index("\n## ", 1)]
    for mode in ("READ_AUTH=open", "READ_AUTH=token", "READ_AUTH=proxy", "AUTH=proxy", "loopback"):
        assert mode in section, mode
    for topic in ("SPLITBOARD_ALLOWED_HOSTS", "/logout", "Secure", "429", "Retry-After", "(hidden)"):
        assert topic in section, topic
