"""An in-process stand-in for the Telegram Bot API, for the console and the tests.

`LocalBotAPI` keeps chats, messages, files and pending updates in memory and answers the Bot API
methods tierbot uses. Two ways in:
- `LocalRequest`, a python-telegram-bot `BaseRequest`: the Application talks to it in-process;
- `serve()`: the same object over real HTTP on loopback, laid out like Telegram's self-hosted
  Bot API server (`/bot<token>/<method>`, `/file/bot<token>/<path>`), so a real `tierbot run`
  process can poll it. `/_local/...` routes let a test push updates and read what was sent.

The "user side" helpers (`message`, `press`, `document`) build updates the way Telegram would.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import mimetypes
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from telegram.request import BaseRequest, RequestData

BOT_ID = 7_000_000_001
BOT_USERNAME = "tierbot_local_bot"
# The stand-in accepts any token of the right shape; this one is for offline use.
LOCAL_TOKEN = "7000000001:LOCAL-offline-token-for-the-stand-in-api"
_NUMERIC = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id", "reply_to_message_id"}


@dataclass
class Sent:
    """One message as the bot left it (edits update it in place; `history` keeps every version)."""

    chat_id: int
    message_id: int
    kind: str  # text | photo | document
    text: str
    reply_markup: dict[str, Any] | None
    parse_mode: str | None = None
    file_name: str | None = None
    file_bytes: bytes | None = None
    deleted: bool = False
    history: list[str] = field(default_factory=list)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b.get("text", ""), b.get("callback_data", "")) for row in rows for b in row]

    @property
    def web_apps(self) -> list[tuple[str, str]]:
        """(label, url) of every inline button that opens the Mini App (`web_app`)."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b.get("text", ""), b["web_app"]["url"]) for row in rows for b in row if b.get("web_app")]


@dataclass
class Fault:
    """A scripted failure for the next matching call (tests of 429/500 handling)."""

    method: str
    status: int
    description: str
    retry_after: int | None = None
    times: int = 1
    every: int | None = None  # instead of `times`: every n-th call of the method fails (n, 2n, …)
    delay: float = 0.0  # answer this many seconds late (a client timeout); status 200: late but done
    body: str | None = None  # answer this raw text instead of JSON (a malformed answer)


class RawBody(str):
    """An answer sent as it is, not as JSON (Fault.body)."""


class LocalBotAPI:
    def __init__(self, *, username: str = BOT_USERNAME) -> None:
        self.me = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "tierbot",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.messages: dict[tuple[int, int], Sent] = {}
        self.outgoing: list[Sent] = []  # in the order sent; edits do not append
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.faults: list[Fault] = []
        self.webhook: dict[str, Any] | None = None  # the last setWebhook's parameters
        self.menu_button: dict[str, Any] | None = None  # the last setChatMenuButton's menu_button
        self.on_sent: Callable[[Sent], None] | None = None
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._files: dict[str, tuple[str, bytes]] = {}
        self._file_ids = itertools.count(1)
        self._new_update: asyncio.Event | None = None

    # --- Bot API side -------------------------------------------------------------------------

    async def call(
        self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes, str]]
    ) -> tuple[int, dict[str, Any] | RawBody]:
        self.calls.append((method, params))
        fault = self._take_fault(method)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.body is not None:
            return fault.status, RawBody(fault.body)
        if fault is not None and fault.status != 200:
            body: dict[str, Any] = {"ok": False, "error_code": fault.status, "description": fault.description}
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
            return fault.status, body
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        try:
            result = await handler(params, files) if method.lower() == "getupdates" else handler(params, files)
        except _ApiError as exc:
            return exc.status, {"ok": False, "error_code": exc.status, "description": exc.description}
        return 200, {"ok": True, "result": result}

    def download(self, file_path: str) -> tuple[int, bytes]:
        file_path = unquote(file_path)  # clients percent-encode the path (a file name in Chinese)
        for path, content in self._files.values():
            if path == file_path:
                return 200, content
        return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'

    def _take_fault(self, method: str) -> Fault | None:
        calls = sum(1 for name, _ in self.calls if name.lower() == method.lower())
        for fault in self.faults:
            if fault.method.lower() != method.lower():
                continue
            if fault.every is not None:
                if calls % fault.every == 0:
                    return fault
            elif fault.times > 0:
                fault.times -= 1
                return fault
        return None

    def _m_getme(self, params: dict, files: dict) -> dict:
        return self.me

    def _m_logout(self, params: dict, files: dict) -> bool:
        return True

    def _m_close(self, params: dict, files: dict) -> bool:
        return True

    def _m_deletewebhook(self, params: dict, files: dict) -> bool:
        self.webhook = None
        return True

    def _m_setwebhook(self, params: dict, files: dict) -> bool:
        self.webhook = dict(params)  # url, secret_token, allowed_updates: what a test checks
        return True

    def _m_setchatmenubutton(self, params: dict, files: dict) -> bool:
        self.menu_button = params.get("menu_button")
        return True

    def _m_setmycommands(self, params: dict, files: dict) -> bool:
        self.commands[str(params.get("language_code", ""))] = list(params.get("commands", []))
        return True

    def _m_deletemycommands(self, params: dict, files: dict) -> bool:
        self.commands.pop(str(params.get("language_code", "")), None)
        return True

    def _m_sendchataction(self, params: dict, files: dict) -> bool:
        return True

    def _m_answercallbackquery(self, params: dict, files: dict) -> bool:
        if any(a.get("callback_query_id") == params.get("callback_query_id") for a in self.callback_answers):
            # as Telegram: one answer per query
            raise _ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.callback_answers.append(params)
        return True

    def _m_sendmessage(self, params: dict, files: dict) -> dict:
        text = str(params.get("text", ""))
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        return self._store(params, "text", text)

    def _m_sendphoto(self, params: dict, files: dict) -> dict:
        return self._store_file(params, files, "photo")

    def _m_senddocument(self, params: dict, files: dict) -> dict:
        return self._store_file(params, files, "document")

    def _m_editmessagetext(self, params: dict, files: dict) -> dict:
        sent = self._find(params)
        text = str(params.get("text", ""))
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        _check_markup(sent.chat_id, params.get("reply_markup"))
        if text == sent.text and params.get("reply_markup") == sent.reply_markup:
            raise _ApiError(400, "Bad Request: message is not modified")
        sent.history.append(sent.text)
        sent.text, sent.reply_markup = text, params.get("reply_markup")
        sent.parse_mode = params.get("parse_mode")
        self._notify(sent)
        return self._message_json(sent)

    def _m_editmessagereplymarkup(self, params: dict, files: dict) -> dict:
        sent = self._find(params)
        sent.reply_markup = params.get("reply_markup")
        return self._message_json(sent)

    def _m_deletemessage(self, params: dict, files: dict) -> bool:
        self._find(params).deleted = True
        return True

    def _m_getfile(self, params: dict, files: dict) -> dict:
        file_id = str(params.get("file_id", ""))
        if file_id not in self._files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        path, content = self._files[file_id]
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(content), "file_path": path}

    async def _m_getupdates(self, params: dict, files: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            event = self._event()
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), timeout)
            except TimeoutError:
                pass
        return list(self._updates[: int(params.get("limit") or 100)])

    def _store(self, params: dict, kind: str, text: str, **extra: Any) -> dict:
        chat_id = int(params["chat_id"])
        _check_markup(chat_id, params.get("reply_markup"))
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        sent = Sent(chat_id, next(counter), kind, text, params.get("reply_markup"), params.get("parse_mode"), **extra)
        self.messages[(chat_id, sent.message_id)] = sent
        self.outgoing.append(sent)
        self._notify(sent)
        return self._message_json(sent)

    def _store_file(self, params: dict, files: dict, kind: str) -> dict:
        if kind in files:
            name, content, _mime = files[kind]
        elif str(params.get(kind, "")) in self._files:
            name, content = self._files[str(params[kind])]
        else:
            raise _ApiError(400, f"Bad Request: there is no {kind} in the request")
        return self._store(params, kind, str(params.get("caption", "")), file_name=Path(name).name, file_bytes=content)

    def _find(self, params: dict) -> Sent:
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        if key not in self.messages or self.messages[key].deleted:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return self.messages[key]

    def _message_json(self, sent: Sent) -> dict:
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": {"id": sent.chat_id, "type": "private" if sent.chat_id > 0 else "group"},
            "from": self.me,
        }
        if sent.kind == "text":
            message["text"] = sent.text
        else:
            message["caption"] = sent.text
            file_id = f"sent-{sent.chat_id}-{sent.message_id}"
            message[sent.kind] = (
                [{"file_id": file_id, "file_unique_id": file_id, "width": 1, "height": 1}]
                if sent.kind == "photo"
                else {"file_id": file_id, "file_unique_id": file_id, "file_name": sent.file_name}
            )
        if sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        return message

    def _notify(self, sent: Sent) -> None:
        if self.on_sent is not None:
            self.on_sent(sent)

    # --- user side ------------------------------------------------------------------------------

    def _event(self) -> asyncio.Event:
        if self._new_update is None:
            self._new_update = asyncio.Event()
        return self._new_update

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (a real polling bot picks it up)."""
        self._updates.append(update)
        if self._new_update is not None:
            self._new_update.set()
        return update

    def message(
        self, user: dict[str, Any], text: str | None = None, *, chat: dict[str, Any] | None = None, **extra: Any
    ) -> dict[str, Any]:
        chat = chat or {"id": user["id"], "type": "private", "first_name": user.get("first_name", "")}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids.setdefault(chat["id"], itertools.count(1))),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._update_ids), "message": message}

    def press(self, user: dict[str, Any], sent: Sent, callback_data: str) -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": f"cq{next(self._update_ids)}",
                "from": user,
                "chat_instance": str(sent.chat_id),
                "data": callback_data,
                "message": self._message_json(sent),
            },
        }

    def document(
        self, user: dict[str, Any], file_name: str, content: bytes, caption: str | None = None
    ) -> dict[str, Any]:
        file_id = f"doc{next(self._file_ids)}"
        self._files[file_id] = (f"documents/{file_id}_{Path(file_name).name}", content)
        mime = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        document = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": Path(file_name).name,
            "mime_type": mime,
            "file_size": len(content),
        }
        extra: dict[str, Any] = {"document": document}
        if caption:
            extra["caption"] = caption
        return self.message(user, None, **extra)

    def sent_to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.outgoing if s.chat_id == chat_id and not s.deleted]


def _check_markup(chat_id: int, markup: Any) -> None:
    """As Telegram: a `web_app` inline button is accepted in private chats only."""
    if (
        chat_id < 0
        and isinstance(markup, dict)
        and any(button.get("web_app") for row in markup.get("inline_keyboard", []) for button in row)
    ):
        raise _ApiError(400, "Bad Request: BUTTON_TYPE_INVALID")


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def user(
    telegram_id: int, first_name: str = "Test", language_code: str | None = "en", username: str | None = None
) -> dict[str, Any]:
    """A Telegram `User` object as JSON."""
    data: dict[str, Any] = {"id": telegram_id, "is_bot": False, "first_name": first_name}
    if language_code:
        data["language_code"] = language_code
    if username:
        data["username"] = username
    return data


class LocalRequest(BaseRequest):
    """python-telegram-bot talks to `LocalBotAPI` through this, with no network at all."""

    def __init__(self, api: LocalBotAPI) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:
            return self.api.download(url.split("/file/bot", 1)[1].split("/", 1)[1])
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files = dict(request_data.multipart_data) if request_data and request_data.contains_files else {}
        files = {name: (v[0], v[1], v[2] if len(v) > 2 else "") for name, v in files.items()}
        # python-telegram-bot types a file's content as bytes | IO[bytes]; the bot only ever uploads bytes
        status, body = await self.api.call(api_method, params, files)  # type: ignore[arg-type]
        return status, body.encode() if isinstance(body, RawBody) else json.dumps(body).encode()


# --- served over HTTP --------------------------------------------------------------------------


def _decode_form(fields: dict[str, str]) -> dict[str, Any]:
    """Form values from HTTPXRequest are JSON-encoded, except plain strings (sent as they are)."""
    decoded: dict[str, Any] = {}
    for key, value in fields.items():
        if key in _NUMERIC and value.lstrip("-").isdigit():
            decoded[key] = int(value)
        elif value[:1] in "{[" and value:
            try:
                decoded[key] = json.loads(value)
            except ValueError:
                decoded[key] = value
        else:
            decoded[key] = value
    return decoded


async def serve(api: LocalBotAPI, host: str = "127.0.0.1", port: int = 0) -> tuple[Any, int]:
    """Serve `api` over HTTP; returns (aiohttp runner, bound port). Loopback only."""
    from aiohttp import web

    async def bot_method(request: web.Request) -> web.Response:
        params: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes, str]] = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read(), value.content_type)
                else:
                    params[key] = str(value)
            params = _decode_form(params)
        status, body = await api.call(request.match_info["method"], params, files)
        if isinstance(body, RawBody):
            return web.Response(text=body, status=status, content_type="application/json")
        return web.json_response(body, status=status)

    async def file_download(request: web.Request) -> web.Response:
        status, content = api.download(request.match_info["path"])
        return web.Response(body=content, status=status)

    async def push_update(request: web.Request) -> web.Response:
        return web.json_response(api.push(await request.json()))

    async def list_sent(request: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "chat_id": s.chat_id,
                    "message_id": s.message_id,
                    "kind": s.kind,
                    "text": s.text,
                    "reply_markup": s.reply_markup,
                }
                for s in api.outgoing
            ]
        )

    async def webhook(request: web.Request) -> web.Response:
        return web.json_response(api.webhook)

    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", bot_method)
    app.router.add_get("/file/bot{token}/{path:.*}", file_download)
    app.router.add_post("/_local/updates", push_update)
    app.router.add_get("/_local/sent", list_sent)
    app.router.add_get("/_local/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    return runner, bound
