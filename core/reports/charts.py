"""The summary chart: one PNG (matplotlib, Agg) with the tier distribution of every ordered model
(customers per tier) and the time allocation over the service grades against its target.

Labels come in the reader's language from the caller (the string catalog lives with the
templates, which core does not read). Chinese is set in Noto Sans CJK SC, shipped by the
`noto-cjk-sans-otc` package (a collection: matplotlib registers each face of it, SC among them),
so no label falls back to empty boxes whatever fonts the machine has.

matplotlib's settings are process-wide: charts are drawn one at a time under a lock, through the
object API (no pyplot, no global figure state), so a chart may be drawn from any worker thread.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from functools import cache
from typing import Any

CJK_FAMILY = "Noto Sans CJK SC"
LATIN_FAMILY = "DejaVu Sans"  # ships with matplotlib
SIZE_INCHES = (10.0, 5.6)
DPI = 100  # → 1000 × 560 pixels
_LOCK = threading.Lock()
_MODEL_COLOURS = ("#2f6fb0", "#e08a1e", "#3a9a5b", "#8e5ab5", "#c0504d")
_ACTUAL, _TARGET = "#2f6fb0", "#b9c4cf"


@cache
def cjk_font_path() -> str:
    """Register the bundled CJK collection with matplotlib once; its file path."""
    from matplotlib import font_manager
    from noto_cjk_sans_otc import FONT_PATH

    path = str(FONT_PATH)
    font_manager.fontManager.addfont(path)
    return path


def families(lang: str) -> list[str]:
    """Font families for `lang`, first choice first. matplotlib falls back glyph by glyph, so
    an English chart still draws a Chinese team or person name."""
    cjk_font_path()
    return [CJK_FAMILY, LATIN_FAMILY] if lang == "zh" else [LATIN_FAMILY, CJK_FAMILY]


def resolved_font(lang: str) -> Any:
    """The font file (and face) matplotlib picks for the chart's text in `lang`."""
    from matplotlib import font_manager

    with _LOCK, _style(lang):
        return font_manager.findfont(font_manager.FontProperties())  # the family list of the style


def warm_up() -> None:
    """Load matplotlib and the CJK font and draw one small Chinese text (≈ 1 s, once per
    process), so the first /summary of a running bot costs what every later one does. `tierbot
    run` calls it in a background thread at start; tests and the console do not pay for it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _LOCK, _style("zh"):
        figure = Figure(figsize=(1, 1), dpi=DPI)
        figure.text(0.1, 0.5, "分档 Tier")
        FigureCanvasAgg(figure).draw()


def summary_chart(params: Mapping[str, Any], lang: str, labels: Mapping[str, str]) -> bytes:
    """PNG bytes of the chart for a summary's `params` (core.reports.figures.Summary.params())."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with _LOCK, _style(lang):
        figure = _figure(params, lang, labels)
        FigureCanvasAgg(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def build_figure(params: Mapping[str, Any], lang: str, labels: Mapping[str, str]) -> Any:
    """The figure itself, drawn (tests read its texts and fonts)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with _LOCK, _style(lang):
        figure = _figure(params, lang, labels)
        FigureCanvasAgg(figure).draw()
    return figure


def _style(lang: str) -> Any:
    import matplotlib

    return matplotlib.rc_context(
        {
            "font.family": families(lang),
            "axes.unicode_minus": False,  # a list: per-glyph fallback
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def _figure(params: Mapping[str, Any], lang: str, labels: Mapping[str, str]) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=(3, 2))
    figure.suptitle(labels["title"], fontsize=14)
    _distribution(left, params, lang, labels)
    _allocation(right, params, lang, labels)
    return figure


def _distribution(axes: Any, params: Mapping[str, Any], lang: str, labels: Mapping[str, str]) -> None:
    """Horizontal bars, one per tier of each ordered model (RFM's dozen segments stay in the
    text), the top tier of each model first."""
    from matplotlib.ticker import MaxNLocator

    names, counts, colours = [], [], []
    for index, model in enumerate(m for m in params["models"] if m["ordered"] and m["customers"]):
        for tier in model["tiers"]:
            names.append(f"{model['name'][lang]} · {tier['name'][lang]}")
            counts.append(tier["customers"])
            colours.append(_MODEL_COLOURS[index % len(_MODEL_COLOURS)])
    axes.set_title(labels["distribution"])
    if not names:
        axes.text(0.5, 0.5, labels["empty"], ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return
    rows = list(range(len(names)))[::-1]  # first model on top
    bars = axes.barh(rows, counts, color=colours)
    axes.set_yticks(rows, names)
    axes.set_xlabel(labels["customers"])
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.bar_label(bars, labels=[f"{n:,}" for n in counts], padding=3, fontsize=8)
    axes.margins(x=0.15)


def _allocation(axes: Any, params: Mapping[str, Any], lang: str, labels: Mapping[str, str]) -> None:
    grades = params.get("allocation") or []
    axes.set_title(labels["allocation"])
    if not grades:
        axes.text(0.5, 0.5, labels["empty"], ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return
    positions = list(range(len(grades)))
    actual = [100 * (g["share"] or 0) for g in grades]
    target = [100 * (g["target"] or 0) for g in grades]
    width = 0.38
    shown = axes.bar([p - width / 2 for p in positions], actual, width, color=_ACTUAL, label=labels["actual"])
    axes.bar([p + width / 2 for p in positions], target, width, color=_TARGET, label=labels["target"])
    axes.bar_label(shown, labels=[f"{a:.0f}%" for a in actual], padding=2, fontsize=8)
    axes.set_xticks(positions, [g["name"][lang] for g in grades])
    axes.set_ylabel(labels["share"])
    axes.set_ylim(0, 105)
    axes.legend(loc="upper right", frameon=False)
