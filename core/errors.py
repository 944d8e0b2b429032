"""Errors `core` raises on purpose; the transport turns each into a reply in the user's language.

    TierbotError
    ├── ConfigError        a setting is missing or malformed (start-up stops with one line)
    ├── NotFound           the thing asked for does not exist (or is not visible to the asker)
    ├── Forbidden          the asker's role does not allow it
    ├── AlreadyDone        a single-use button was claimed by another press meanwhile
    ├── InvalidInput       a value failed validation; `.code` names the template to answer with
    └── ImportFileError    an uploaded file as a whole cannot be imported; `.code` names the message
"""


class TierbotError(Exception):
    """Base of every error tierbot raises on purpose."""


class ConfigError(TierbotError):
    """A setting is missing or malformed."""


class NotFound(TierbotError):
    pass


class Forbidden(TierbotError):
    pass


class AlreadyDone(TierbotError):
    pass


class InvalidInput(TierbotError):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class ImportFileError(TierbotError):
    """The file as a whole cannot be imported. `code` names the message (strings `import_errors`)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(f"{code} {params}" if params else code)
        self.code = code
        self.params = params
