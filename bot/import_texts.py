"""Import problems in words (chat and `tierbot import` share them): core reports codes and
parameters, the strings `import_errors` say them in zh or en."""

from __future__ import annotations

from bot.render import Renderer
from core.errors import ImportFileError
from core.imports.importer import ImportReport, RowError


def file_problem(renderer: Renderer, lang: str, error: ImportFileError) -> str:
    return renderer.label(lang, f"import_errors.{error.code}", **error.params)


def row_reason(renderer: Renderer, lang: str, error: RowError) -> str:
    """The reason alone (the error column of the returned file): "负责人：没有名为…的用户"."""
    reason = renderer.label(lang, f"import_errors.{error.code}", **error.params)
    if error.column:
        return renderer.label(lang, "import_errors.column_reason", column=error.column, reason=reason)
    return reason


def row_line(renderer: Renderer, lang: str, error: RowError) -> str:
    return renderer.label(lang, "import_errors.row", line=error.line, reason=row_reason(renderer, lang, error))


def error_reasons(renderer: Renderer, lang: str, report: ImportReport) -> list[str]:
    return [row_reason(renderer, lang, error) for error in report.errors]
