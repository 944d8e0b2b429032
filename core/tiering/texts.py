"""Words shown to people: every one lives in the policy, in English and Chinese.

The engine only fills `{placeholders}`; it never writes a sentence itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")
MAX_TEXT = 1000  # characters: a name or a sentence, never a page (every card repeats it)


class LocalText(BaseModel):
    """One user-facing text in both languages, e.g. `{ en = "VIP", zh = "VIP客户" }`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    en: str = Field(min_length=1, max_length=MAX_TEXT)
    zh: str = Field(min_length=1, max_length=MAX_TEXT)

    def get(self, lang: str) -> str:
        # Anything that is not Chinese falls back to English rather than failing a reply.
        return self.zh if lang == "zh" else self.en

    def format(self, lang: str, params: Mapping[str, Any]) -> str:
        """The text in `lang` with placeholders filled (LocalText values resolved in `lang`)."""
        resolved = {key: _resolve(value, lang) for key, value in params.items()}
        return self.get(lang).format_map(resolved)


def _resolve(value: Any, lang: str) -> Any:
    return value.get(lang) if isinstance(value, LocalText) else value
