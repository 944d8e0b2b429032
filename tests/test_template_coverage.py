"""The template-coverage plugin (`tests/template_coverage.py`) on a small tree of its own: a whole
run that leaves a template unrendered fails and names it; one that renders them all (through an
include and a macro import too) passes; a partial run is not judged; loading is not rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.template_coverage import never_rendered

PYPROJECT = """
[tool.pytest.ini_options]
testpaths = ["suite"]
template_coverage_dir = "tpl"
asyncio_default_fixture_loop_scope = "function"
"""

TEMPLATES = {
    "tpl/en/page.html.j2": "{% include 'en/_part.html.j2' %}{% from 'en/_macros.html.j2' import m %}{{ m() }}",
    "tpl/en/_part.html.j2": "part",
    "tpl/en/_macros.html.j2": "{% macro m() %}macro{% endmacro %}",
    "tpl/en/lonely.html.j2": "nobody renders me",
    "tpl/en/strings.toml": "[a]\nb = 'not a template'\n",
}

RENDERS = """
from pathlib import Path
import jinja2

ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parents[1] / "tpl")))

def test_page():
    assert ENV.get_template("en/page.html.j2").render() == "partmacro"
"""

LOADS_LONELY = """
from test_page import ENV

def test_lonely_is_compiled_only():
    ENV.get_template("en/lonely.html.j2")
"""

RENDERS_LONELY = """
from test_page import ENV

def test_lonely():
    assert ENV.get_template("en/lonely.html.j2").render() == "nobody renders me"
"""


@pytest.fixture
def tree(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyprojecttoml(PYPROJECT)
    for name, text in TEMPLATES.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (pytester.path / "suite").mkdir()
    (pytester.path / "suite" / "test_page.py").write_text(RENDERS, encoding="utf-8")
    (pytester.path / "suite" / "test_other.py").write_text(LOADS_LONELY, encoding="utf-8")
    return pytester


def _run(tree: pytest.Pytester, *args: str) -> pytest.RunResult:
    return tree.runpytest("-p", "tests.template_coverage", "-p", "no:cacheprovider", *args)


def test_a_whole_run_with_a_template_never_rendered_fails_and_names_it(tree: pytest.Pytester) -> None:
    result = _run(tree)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*1 templates never rendered by the suite*", "tpl/en/lonely.html.j2"])
    assert "_part" not in result.stdout.str() and "_macros" not in result.stdout.str()  # include, import count


def test_a_whole_run_that_renders_every_template_passes(tree: pytest.Pytester) -> None:
    (tree.path / "suite" / "test_other.py").write_text(RENDERS_LONELY, encoding="utf-8")
    result = _run(tree)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    assert "never rendered" not in result.stdout.str()


@pytest.mark.parametrize(
    "selection",
    [
        ["-k", "page"],
        ["suite/test_page.py"],
        ["suite/test_page.py::test_page"],
        ["--deselect", "suite/test_other.py::test_lonely_is_compiled_only"],
    ],
)
def test_a_partial_run_is_not_judged(tree: pytest.Pytester, selection: list[str]) -> None:
    result = _run(tree, *selection)
    result.assert_outcomes(passed=1, deselected=1 if selection[0] in ("-k", "--deselect") else 0)
    assert result.ret == pytest.ExitCode.OK
    assert "never rendered" not in result.stdout.str()


def test_a_failing_run_is_not_judged_twice(tree: pytest.Pytester) -> None:
    (tree.path / "suite" / "test_fails.py").write_text("def test_fails():\n    assert False\n", encoding="utf-8")
    result = _run(tree)
    result.assert_outcomes(passed=2, failed=1)
    assert "never rendered" not in result.stdout.str()


def test_a_module_skipped_at_collection_still_counts_as_collected(tree: pytest.Pytester) -> None:
    (tree.path / "suite" / "test_skipped.py").write_text(
        "import pytest\npytest.skip('no database', allow_module_level=True)\n", encoding="utf-8"
    )
    result = _run(tree)
    result.stdout.fnmatch_lines(["tpl/en/lonely.html.j2"])


def test_the_report_lists_what_a_partial_run_rendered(tree: pytest.Pytester) -> None:
    report = tree.path / "rendered.txt"
    _run(tree, "suite/test_page.py", f"--template-report={report}").assert_outcomes(passed=1)
    assert report.read_text(encoding="utf-8").split() == ["en/_macros.html.j2", "en/_part.html.j2", "en/page.html.j2"]


def test_a_known_gap_is_not_reported_and_a_closed_one_must_leave_the_list(tree: pytest.Pytester) -> None:
    with (tree.path / "pyproject.toml").open("a", encoding="utf-8") as pyproject:
        pyproject.write('\ntemplate_coverage_known_gaps = "gaps.txt"\n')
    (tree.path / "gaps.txt").write_text("# no test renders these yet\nen/lonely.html.j2\n", encoding="utf-8")
    assert _run(tree).ret == pytest.ExitCode.OK

    (tree.path / "suite" / "test_other.py").write_text(RENDERS_LONELY, encoding="utf-8")
    result = _run(tree)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*1 known gaps are rendered now (or gone)*", "tpl/en/lonely.html.j2", "Remove them from gaps.txt."]
    )


def test_never_rendered_compares_files_not_names(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    for name in ("a/x.j2", "y.j2", "z.toml"):
        (tmp_path / name).write_text("", encoding="utf-8")
    assert never_rendered(tmp_path, "*.j2", [str(tmp_path / "a" / ".." / "y.j2")]) == ["a/x.j2"]
