"""The Jinja2 environment and the three ways markup leaves it: a page, a page's content block, a macro.

Every partial is a macro (the dashboard's in templates/partials.html, each feature's in its folder);
pages, fragment endpoints and SSE events all call those macros, so each thing has exactly one piece of
markup. Links to the dashboard's pages come from route names (the `path_for` global, app.web.urls).
Autoescaping is always on.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Hashable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import YamlLexer

from app.model.explain import object_anchor
from app.model.views import age, clip, size_text
from app.web.disclosure import EVERYTHING

PARTIALS = "partials.html"
YAML_INLINE_BYTES = 64 * 1024
"""Objects larger than this (as JSON) are not put into the page: their YAML is loaded when opened."""
YAML_HIGHLIGHT_BYTES = 256 * 1024
"""Larger objects are shown as plain text: highlighting costs seconds per megabyte."""
ROW_CACHE_SIZE = 20_000
"""Rendered rows kept for reuse (a 200-revision namespace has about 1,500)."""
_BREAK_AFTER = re.compile(r"(?<=[./:])")
_AGE = re.compile(r'<time class="age" datetime="([^"]*)">[^<]*</time>')


class _Dumper(yaml.SafeDumper):
    """Writes a part that repeats in full each time: cached objects share their equal parts
    (app.kube.sharing), and YAML's `&id001`/`*id001` aliases would show that, not the object."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


class _FastDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """libyaml's emitter, when PyYAML has it, with the same rule."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def breakable(text: object) -> Markup:
    """Long names (hosts, URLs, images) that wrap only after `.`, `/` or `:`, never at a hyphen."""
    pieces = (f'<span class="nw">{escape(piece)}</span>' for piece in _BREAK_AFTER.split(str(text)) if piece)
    return Markup("<wbr>".join(pieces))


def yaml_html(obj: Mapping[str, Any]) -> Markup:
    """An object as YAML, highlighted by pygments (which escapes every character of the text)."""
    text = yaml.dump(dict(obj), Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True)
    return Markup(highlight(text, YamlLexer(), HtmlFormatter(cssclass="highlight")))


def encoded_size(obj: Any) -> int:
    """About how large an object is (its compact JSON, in characters): cheap to learn, unlike its YAML."""
    return len(json.dumps(obj, separators=(",", ":"), default=str))


def full_yaml_html(obj: Mapping[str, Any]) -> Markup:
    """An object as YAML, highlighted unless it is too large for that."""
    if encoded_size(obj) <= YAML_HIGHLIGHT_BYTES:
        return yaml_html(obj)
    text = yaml.dump(
        dict(obj), Dumper=_FastDumper, sort_keys=False, default_flow_style=False, allow_unicode=True
    )
    return Markup('<div class="highlight"><pre>{}</pre></div>').format(text)


def clipped_html(text: object, limit: int) -> Markup:
    """A value cut for a table, with a visible mark saying how much more there is."""
    clipped = clip(str(text), limit)
    if not clipped.more:
        return Markup("{}").format(clipped.shown)
    return Markup('{}<span class="clipped" title="The full value is in the YAML view">{}</span>').format(
        clipped.shown, clipped.mark
    )


def make_environment(templates_dir: Path, value_chars: int = 2000) -> Environment:
    """A Jinja2 environment over `templates_dir`: autoescape on, undefined names are errors; values
    longer than `value_chars` are cut in tables (the `clip` filter)."""
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["yaml_html"] = yaml_html
    env.filters["breakable"] = breakable
    env.filters["clip"] = lambda text: clipped_html(text, value_chars)
    env.filters["encoded_size"] = encoded_size
    env.filters["size_text"] = size_text
    env.globals["YAML_INLINE_BYTES"] = YAML_INLINE_BYTES
    env.globals["object_anchor"] = object_anchor
    env.globals["EVERYTHING"] = EVERYTHING
    return env


def fresh_ages(html: str, now: datetime) -> str:
    """`html` with every age (`<time class="age">`) as of `now`: rows rendered earlier are reused as
    they are, and only their ages are brought up to date (the page's script then keeps them so)."""
    ages: dict[str, str] = {}

    def current(match: re.Match[str]) -> str:
        stamp = match.group(1)
        if stamp not in ages:
            ages[stamp] = str(escape(age(stamp, now)))
        return f'<time class="age" datetime="{stamp}">{ages[stamp]}</time>'

    return _AGE.sub(current, html)


def _row_key(value: object) -> Hashable:
    """What a row's markup depends on: its view, without the age (kept current by `fresh_ages`)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and hasattr(value, "age"):
        value = dataclasses.replace(value, age="")
    return value


class Renderer:
    """Renders pages, content blocks (for htmx requests) and partials (for fragments and SSE).

    Rows (the `row` template global) are rendered once per view and reused by every page, fragment and
    stream that shows them until the object they show changes: a view of an unchanged namespace then
    joins markup it already has. `row_renders` counts the rows actually rendered, by partial."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.row_renders: Counter[str] = Counter()
        self._rows: OrderedDict[Hashable, Markup] = OrderedDict()
        self._rows_lock = threading.Lock()
        env.globals["row"] = self.row

    def row(self, name: str, *args: Any) -> Markup:
        """The markup of partial `name` for `args` (the same view always gives the same row)."""
        key = (name, *map(_row_key, args))
        try:
            hash(key)
        except TypeError:  # a view holding a list or dict: correct, only not reusable
            return Markup(getattr(self.env.get_template(PARTIALS).module, name)(*args))
        with self._rows_lock:
            found = self._rows.get(key)
            if found is not None:
                self._rows.move_to_end(key)
                return found
        html = Markup(getattr(self.env.get_template(PARTIALS).module, name)(*args))
        with self._rows_lock:
            self.row_renders[name] += 1
            self._rows[key] = html
            if len(self._rows) > ROW_CACHE_SIZE:
                self._rows.popitem(last=False)
        return html

    def page(self, template: str, context: Mapping[str, Any]) -> str:
        return self.env.get_template(template).render(context)

    def block(self, template: str, block: str, context: Mapping[str, Any]) -> str:
        """Only one block of a page (its `content` for an htmx request), rendered with the page's context."""
        tmpl = self.env.get_template(template)
        return "".join(tmpl.blocks[block](tmpl.new_context(dict(context))))

    def macro(self, template: str, name: str, *args: Any) -> str:
        """One macro of a template as HTML, e.g. `macro(PARTIALS, "revisions", overview)`."""
        return str(getattr(self.env.get_template(template).module, name)(*args))
