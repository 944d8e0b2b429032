"""What every security test asserts about the bot's answers: the texts a person received (messages,
captions, the files' cells, button notices), that none is the "something went wrong" template,
that no hidden name leaks, and that no handler logged an error."""

from __future__ import annotations

import io
import logging

import pytest
from openpyxl import load_workbook

from bot.local_api import Sent
from bot.testing import Harness, Person
from core.accounts import pick_language


class Mark:
    """A point in the conversation log; `texts` reads what came after it."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.outgoing = len(harness.api.outgoing)
        self.answers = len(harness.api.callback_answers)
        self.versions = {id(sent): len(sent.history) for sent in harness.api.outgoing}

    def sent(self, person: Person | None = None) -> list[Sent]:
        out = self.harness.api.outgoing[self.outgoing :]
        return [s for s in out if person is None or s.chat_id == person.chat_id]

    def answers_text(self) -> list[str]:
        return [str(a.get("text") or "") for a in self.harness.api.callback_answers[self.answers :]]

    def texts(self, person: Person) -> list[str]:
        """Every word the person got since the mark: new messages (every version), captions,
        files, edits of older messages (a button's message is edited in place) and the button
        notices (popups and toasts)."""
        texts = []
        for sent in self.sent(person):
            texts += [*sent.history, sent.text, *file_texts(sent)]
        for sent in self.harness.api.outgoing[: self.outgoing]:
            if sent.chat_id == person.chat_id and len(sent.history) > self.versions[id(sent)]:
                texts += [*sent.history[self.versions[id(sent)] + 1 :], sent.text]
        return texts + self.answers_text()


def file_texts(sent: Sent) -> list[str]:
    if not sent.file_bytes or not sent.file_name:
        return []
    if sent.file_name.endswith(".csv"):
        return [sent.file_bytes.decode("utf-8-sig")]
    if sent.file_name.endswith(".xlsx"):
        book = load_workbook(io.BytesIO(sent.file_bytes), read_only=True)
        return [
            " | ".join(str(v) for v in row if v is not None)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        ]
    return []


def error_texts(harness: Harness) -> tuple[str, ...]:
    renderer = harness.services.renderer
    return tuple(renderer.render(lang, "errors/unexpected").strip() for lang in ("en", "zh"))


def refusal_text(harness: Harness, person: Person, template: str, **params: object) -> str:
    lang = pick_language(None, person.telegram.get("language_code"))  # nobody chose one in /settings
    return harness.services.renderer.render(lang, template, **params).strip()


def assert_no_error_answer(harness: Harness, texts: list[str], what: str) -> None:
    for text in texts:
        for error in error_texts(harness):
            assert error not in text, f"{what}: the error template was sent: {text!r}"
        assert "Traceback" not in text, f"{what}: a traceback was sent"


def assert_no_leak(texts: list[str], hidden: tuple[str, ...], what: str) -> None:
    for text in texts:
        for name in hidden:
            assert name not in text, f"{what}: {name!r} leaked in {text[:300]!r}"


def assert_no_error_logged(caplog: pytest.LogCaptureFixture, what: str) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, f"{what}: {[(r.name, r.getMessage()) for r in errors]}"
