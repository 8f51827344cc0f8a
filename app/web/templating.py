"""The Jinja2 environment and the three ways markup leaves it: a page, a page's content block, a partial.

Every partial is a macro in templates/partials.html; pages, fragment endpoints and SSE events all call
those macros, so each thing has exactly one piece of markup. Autoescaping is always on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import YamlLexer

from app.model.explain import object_anchor

PARTIALS = "partials.html"
_BREAK_AFTER = re.compile(r"(?<=[./:])")


def breakable(text: object) -> Markup:
    """Long names (hosts, URLs, images) that wrap only after `.`, `/` or `:`, never at a hyphen."""
    pieces = (f'<span class="nw">{escape(piece)}</span>' for piece in _BREAK_AFTER.split(str(text)) if piece)
    return Markup("<wbr>".join(pieces))


def yaml_html(obj: Mapping[str, Any]) -> Markup:
    """An object as YAML, highlighted by pygments (which escapes every character of the text)."""
    text = yaml.safe_dump(dict(obj), sort_keys=False, default_flow_style=False, allow_unicode=True)
    return Markup(highlight(text, YamlLexer(), HtmlFormatter(cssclass="highlight")))


def make_environment(templates_dir: Path) -> Environment:
    """A Jinja2 environment over `templates_dir`: autoescape on, undefined names are errors."""
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["yaml_html"] = yaml_html
    env.filters["breakable"] = breakable
    env.globals["object_anchor"] = object_anchor
    return env


class Renderer:
    """Renders pages, content blocks (for htmx requests) and partials (for fragments and SSE)."""

    def __init__(self, env: Environment) -> None:
        self.env = env

    def page(self, template: str, context: Mapping[str, Any]) -> str:
        return self.env.get_template(template).render(context)

    def block(self, template: str, block: str, context: Mapping[str, Any]) -> str:
        """Only one block of a page (its `content` for an htmx request), rendered with the page's context."""
        tmpl = self.env.get_template(template)
        return "".join(tmpl.blocks[block](tmpl.new_context(dict(context))))

    def partial(self, macro: str, *args: Any) -> str:
        """One macro of the partials template, e.g. `partial("revisions", overview)`."""
        return str(getattr(self.env.get_template(PARTIALS).module, macro)(*args))
