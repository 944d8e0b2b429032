"""Issue 12 §10: a whole-suite run fails when a template file under `templates/` was never
rendered by any test, so no message a user can be sent goes untested.

What counts is a template's body running — `render()`, an `{% include %}`, an `{% extends %}`
parent, a `{% from … import %}` — not its loading: `Renderer.warm_up` compiles every template and
must not make them all look tested. Jinja2 builds every compiled template through
`Template._from_namespace`; the recorder wraps the root render function it stores there (a private
hook: `tests/test_template_coverage.py` runs this plugin on a small tree, so a Jinja2 release that
moves it fails there, not silently here).

The check runs only when the run was the whole suite — every test file of `testpaths` collected,
nothing deselected (`-k`, `-m`, `--deselect`, `--lf`), no `file::test` argument, no failure and
not `--collect-only`; a partial run says nothing about what the suite renders. It is skipped
inside a pytest-xdist worker (a worker renders only its share; the project does not use xdist).
Templates rendered in a child process (`tierbot run` in `tests/e2e`) are not seen: each template
needs an in-process test as well.

`--template-report=PATH` writes the rendered templates (one name a line) of any run, whole or
not, to find what a subset covers.

Ini options: `template_coverage_dir` (default `templates`, from the rootdir),
`template_coverage_glob` (default `*.j2`) and `template_coverage_known_gaps` (a file, one
template a line, of those no test renders yet: they are not reported, and one that is rendered
after all fails the run until it is taken off the list, so the list only shrinks).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest

# The sets of filenames that each active run records into (one per configured pytest: a
# pytester run inside the suite adds its own while it lasts).
_listeners: list[set[str]] = []
_original_from_namespace: Any = None


def _install() -> None:
    """Wrap `Template._from_namespace` once, so every template compiled afterwards reports its
    filename to the listeners each time its body runs."""
    global _original_from_namespace
    if _original_from_namespace is not None:
        return
    original = jinja2.Template.__dict__["_from_namespace"]  # a classmethod
    _original_from_namespace = original

    def from_namespace(
        cls: type[jinja2.Template], environment: jinja2.Environment, namespace: Any, globals: Any
    ) -> jinja2.Template:
        template = original.__func__(cls, environment, namespace, globals)
        if template.filename:
            template.root_render_func = _recording(template.root_render_func, template.filename)
        return template

    jinja2.Template._from_namespace = classmethod(from_namespace)  # type: ignore[assignment,method-assign]


def _uninstall() -> None:
    global _original_from_namespace
    if _original_from_namespace is not None and not _listeners:
        jinja2.Template._from_namespace = _original_from_namespace  # type: ignore[method-assign]
        _original_from_namespace = None


def _recording(render: Callable[..., Iterator[str]], filename: str) -> Callable[..., Iterator[str]]:
    resolved = str(Path(filename).resolve())

    def root(context: Any) -> Iterator[str]:
        for rendered in _listeners:
            rendered.add(resolved)
        return render(context)

    return root


def never_rendered(templates_dir: Path, pattern: str, rendered: Iterable[str]) -> list[str]:
    """The template files under `templates_dir` (matching `pattern`, any depth) whose body never
    ran, as sorted paths relative to `templates_dir`."""
    seen = {Path(name).resolve() for name in rendered}
    return sorted(
        path.relative_to(templates_dir).as_posix()
        for path in templates_dir.rglob(pattern)
        if path.is_file() and path.resolve() not in seen
    )


def known_gaps(config: pytest.Config) -> list[str]:
    """The templates (relative to the templates directory) that no test renders yet, from the
    `template_coverage_known_gaps` file: a list that may only shrink, since an entry the suite
    renders after all fails the run as well."""
    name = config.getini("template_coverage_known_gaps")
    if not name:
        return []
    lines = (config.rootpath / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def suite_files(directories: Iterable[Path], patterns: Iterable[str]) -> set[Path]:
    """Every file pytest would collect as a test module under `directories`."""
    patterns = list(patterns)
    return {
        path.resolve()
        for directory in directories
        for path in directory.rglob("*.py")
        if any(fnmatch.fnmatch(path.name, p) for p in patterns)
    }


class TemplateCoverage:
    """One run's record: what rendered, which test files were collected, whether any test was
    left out, and the verdict printed in the summary."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.templates_dir = (config.rootpath / config.getini("template_coverage_dir")).resolve()
        self.pattern = config.getini("template_coverage_glob")
        self.rendered: set[str] = set()
        self.collected: set[Path] = set()
        self.deselected = False
        self.missing: list[str] = []  # never rendered, and not a known gap
        self.stale: list[str] = []  # known gaps that were rendered after all (or are gone)
        self.skipped_because = ""

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Modules skipped at collection (`pytest.skip(allow_module_level=True)`) have no items,
        but they were part of the run: their collect report names them."""
        path = report.nodeid.split("::")[0]
        if path.endswith(".py"):
            self.collected.add((self.config.rootpath / path).resolve())

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        if items:
            self.deselected = True

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        result = yield
        self.skipped_because = self._partial_run(session)
        if not self.skipped_because:
            gaps = known_gaps(self.config)
            unrendered = never_rendered(self.templates_dir, self.pattern, self.rendered)
            self.missing = [name for name in unrendered if name not in gaps]
            self.stale = sorted(set(gaps) - set(unrendered))
            if self.missing or self.stale:
                session.testsfailed += 1  # the run's exit status becomes 1 (TESTS_FAILED)
        return result

    def _partial_run(self, session: pytest.Session) -> str:
        """Why this run is not the whole suite ('' when it is)."""
        option = self.config.option
        if hasattr(self.config, "workerinput"):
            return "a pytest-xdist worker"
        if option.collectonly:
            return "--collect-only"
        if session.testsfailed or session.shouldfail or session.shouldstop:
            return "tests failed or the run stopped"
        if self.deselected:
            return "tests were deselected"
        if any("::" in str(arg) for arg in self.config.args):
            return "single tests were selected"
        roots = [self.config.rootpath / p for p in self.config.getini("testpaths")] or [self.config.rootpath]
        left_out = suite_files(roots, self.config.getini("python_files")) - self.collected
        if left_out:
            return f"{len(left_out)} test files were not collected"
        return ""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.missing:
            terminalreporter.write_sep("=", f"{len(self.missing)} templates never rendered by the suite", red=True)
            for name in self.missing:
                terminalreporter.write_line(f"{self.templates_dir.name}/{name}")
            terminalreporter.write_line("Every template needs a test that renders it (tests/template_coverage.py).")
        if self.stale:
            terminalreporter.write_sep("=", f"{len(self.stale)} known gaps are rendered now (or gone)", red=True)
            for name in self.stale:
                terminalreporter.write_line(f"{self.templates_dir.name}/{name}")
            terminalreporter.write_line(f"Remove them from {self.config.getini('template_coverage_known_gaps')}.")

    def pytest_sessionfinish(self) -> None:
        report = self.config.getoption("template_report")
        if report:
            names = sorted(
                Path(name).relative_to(self.templates_dir).as_posix()
                for name in self.rendered
                if Path(name).is_relative_to(self.templates_dir)
            )
            Path(report).write_text("".join(f"{name}\n" for name in names), encoding="utf-8")


_install()  # at import, before any conftest or test module can compile a template


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("template_coverage_dir", "templates every whole-suite run must render", default="templates")
    parser.addini("template_coverage_glob", "which files under it are templates", default="*.j2")
    parser.addini("template_coverage_known_gaps", "a file naming templates no test renders yet", default="")
    parser.addoption(
        "--template-report",
        metavar="PATH",
        default=None,
        help="write the templates this run rendered to PATH, one a line",
    )


def pytest_configure(config: pytest.Config) -> None:
    coverage = TemplateCoverage(config)
    _install()
    _listeners.append(coverage.rendered)
    config.pluginmanager.register(coverage, "template-coverage")


def pytest_unconfigure(config: pytest.Config) -> None:
    coverage = config.pluginmanager.get_plugin("template-coverage")
    if isinstance(coverage, TemplateCoverage):
        _listeners[:] = [rendered for rendered in _listeners if rendered is not coverage.rendered]
        _uninstall()
