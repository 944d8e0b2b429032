"""Every word the bot says comes from `templates/<lang>/`: Jinja2 files for messages (HTML,
autoescaped) and `strings.toml` (+ `strings/*.toml`) for short labels (buttons, command descriptions).

`split_message` cuts long texts at line boundaries so no message exceeds Telegram's 4,096
characters and no HTML tag or entity is cut in half (templates keep each tag on one line).
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
LANGUAGES = ("zh", "en")
TELEGRAM_LIMIT = 4096
_TAG_OR_ENTITY = re.compile(r"<[^>]*>|&[#\w]+;")


class Renderer:
    def __init__(self, directory: Path = TEMPLATES_DIR) -> None:
        self.directory = directory
        self.env = Environment(
            loader=FileSystemLoader(str(directory)),
            autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            cache_size=-1,  # every template stays compiled (there are a few hundred, see `warm_up`)
        )
        self.env.filters["money"] = _money

    def warm_up(self) -> None:
        """Compile every template and read every label file now (about a second), so no
        message pays for its template's first use."""
        for name in self.env.list_templates(extensions=["j2"]):
            self.env.get_template(name)
        for lang in LANGUAGES:
            _strings(self.directory, lang)

    def render(self, lang: str, name: str, /, **context: Any) -> str:
        """Render `templates/<lang>/<name>.html.j2`."""
        lang = lang if lang in LANGUAGES else "en"
        template = self.env.get_template(f"{lang}/{name}.html.j2")
        text = template.render(lang=lang, t=lambda key, **kw: self.label(lang, key, **kw), **context)
        return re.sub(r"\n{3,}", "\n\n", text).strip()

    def label(self, lang: str, key: str, /, **params: Any) -> str:
        """A short string from `templates/<lang>/strings.toml` by dotted key."""
        node: Any = _strings(self.directory, lang if lang in LANGUAGES else "en")
        for part in key.split("."):
            node = node[part]
        return str(node).format(**params) if params else str(node)

    def section(self, lang: str, key: str) -> dict[str, Any]:
        node: Any = _strings(self.directory, lang if lang in LANGUAGES else "en")
        for part in key.split("."):
            node = node[part]
        return dict(node)


@cache
def _strings(directory: Path, lang: str) -> dict[str, Any]:
    """`strings.toml` plus every `strings/<area>.toml` beside it (one file per feature area, so
    areas are edited apart); a top-level section defined twice is an error, not a silent merge."""
    merged = tomllib.loads((directory / lang / "strings.toml").read_text(encoding="utf-8"))
    for extra in sorted((directory / lang / "strings").glob("*.toml")):
        for key, value in tomllib.loads(extra.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"{extra}: section [{key}] is already defined elsewhere")
            merged[key] = value
    return merged


def _money(value: Any, currency: str = "") -> str:
    """1234567.5 → "1,234,567.50 CNY"; exact (Decimal), whatever form the amount comes in."""
    text = f"{Decimal(str(value)):,.2f}" if value not in (None, "") else "—"
    return f"{text} {currency}".strip()


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at blank lines, then at lines; only a single over-long line is cut mid-line, and
    then never inside a tag or an entity."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        pieces = _cut_line(line, limit) if len(line) > limit else [line]
        for piece in pieces:
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) > limit:
                chunks.append(current)
                current = piece
            else:
                current = candidate
    if current:
        chunks.append(current)
    return [chunk for chunk in (c.strip("\n") for c in chunks) if chunk]


def _cut_line(line: str, limit: int) -> list[str]:
    """Cut one long line into pieces ≤ limit, moving each cut back before any tag/entity."""
    pieces = []
    while len(line) > limit:
        cut = limit
        for match in _TAG_OR_ENTITY.finditer(line, 0, limit + 16):
            if match.start() < cut < match.end():
                cut = match.start()
        space = line.rfind(" ", 0, cut)
        if space > cut - 200 and space > 0:
            cut = space
        pieces.append(line[:cut])
        line = line[cut:].lstrip(" ")
    pieces.append(line)
    return pieces
