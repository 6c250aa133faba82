"""Style shared by every figure: palette, rc settings, and figure/sub-figure helpers.

Figures are built with the object-oriented API only (``matplotlib.figure.Figure``, Agg
canvas): nothing touches ``pyplot`` or its global figure registry, so figures are safe in
servers, tests and notebooks alike. Colours follow the Okabe–Ito palette, which stays
distinguishable with the common forms of colour-vision deficiency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Literal, ParamSpec, TypeVar

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, FigureBase, SubFigure
from numpy.typing import NDArray

if TYPE_CHECKING:  # matplotlib's name for the rc keys (a Literal of every key)
    from matplotlib.typing import RcKeyType

__all__ = [
    "CONTEXT_CODES",
    "CONTEXT_COLORS",
    "CONTEXT_LABELS",
    "FIGURE_DOC",
    "OKABE_ITO",
    "PAIN_COLOR",
    "RC_PARAMS",
    "REMEDY_COLOR",
    "THRESHOLD_COLOR",
    "column_values",
    "day_index",
    "day_label",
    "message",
    "new_figure",
    "root_figure",
    "styled",
    "target_figure",
]

#: The Okabe–Ito colour-blind-safe palette.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Colour of each activity context / slouch category, used by every figure.
CONTEXT_COLORS: dict[str, str] = {
    "upright": OKABE_ITO["bluish_green"],
    "slouch": OKABE_ITO["vermillion"],
    "walking": OKABE_ITO["sky_blue"],
    "lying": OKABE_ITO["blue"],
    "nonwear": "#D0D0D0",
}

#: Human labels of the categories (upper-back sensor wording).
CONTEXT_LABELS: dict[str, str] = {
    "upright": "Upright, not slouched",
    "slouch": "Slouched (trunk flexed)",
    "walking": "Walking",
    "lying": "Lying",
    "nonwear": "Sensor not worn",
}

PAIN_COLOR = OKABE_ITO["black"]
REMEDY_COLOR = OKABE_ITO["reddish_purple"]
THRESHOLD_COLOR = OKABE_ITO["vermillion"]

#: Matplotlib rc settings applied while a figure is built (restored afterwards).
RC_PARAMS: dict[RcKeyType, str | float | bool] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.linewidth": 0.8,
    "axes.grid": False,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.6,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}

_P = ParamSpec("_P")
_R = TypeVar("_R")

#: Codes of the per-minute context strip (slouch as its own code).
CONTEXT_CODES: tuple[str, ...] = ("nonwear", "lying", "upright", "slouch", "walking")


#: The end of every figure function's docstring (its ``fig`` parameter and what it returns),
#: written once and appended by :func:`styled`.
FIGURE_DOC = """    fig
        Optional figure or sub-figure to draw into.

    Returns
    -------
    Figure
        The (root) figure.
"""


def styled(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Build the figure inside an rc context so the style never leaks into global state.

    For a figure function (keyword ``fig``, returns the root :class:`Figure`): its docstring
    lists its own parameters last, and :data:`FIGURE_DOC` is appended to it here.
    """

    @wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with mpl.rc_context(RC_PARAMS):
            return func(*args, **kwargs)

    wrapper.__doc__ = f"{(func.__doc__ or '').rstrip()}\n{FIGURE_DOC}    "
    return wrapper


def new_figure(
    figsize: tuple[float, float], *, layout: Literal["constrained"] | None = "constrained"
) -> Figure:
    """A new Agg-backed figure that is not registered with pyplot.

    Parameters
    ----------
    figsize
        Width and height in inches.
    layout
        Matplotlib layout engine name (``"constrained"`` by default) or None.

    Returns
    -------
    Figure
        The figure, with an Agg canvas attached (so ``savefig`` works without pyplot).
    """
    with mpl.rc_context(RC_PARAMS):
        fig = Figure(figsize=figsize, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def target_figure(fig: FigureBase | None, figsize: tuple[float, float]) -> FigureBase:
    """``fig`` itself, or a new figure of ``figsize`` inches when it is None."""
    return new_figure(figsize) if fig is None else fig


def root_figure(fig: FigureBase) -> Figure:
    """The root :class:`Figure` of a figure or sub-figure."""
    root = fig.get_figure(root=True) if isinstance(fig, SubFigure) else fig
    if not isinstance(root, Figure):  # pragma: no cover - defensive
        raise TypeError("figure target has no root Figure")
    return root


def day_index(daily: pd.DataFrame) -> list[dt.date]:
    """Local dates of a daily table (``date`` column or index)."""
    values = daily["date"] if "date" in daily.columns else daily.index
    return [pd.Timestamp(v).date() for v in values]


def day_label(day: dt.date) -> str:
    """Two-line tick label of a day: ``"Mon\\n16 Nov"``."""
    return f"{day:%a}\n{day.day} {day:%b}"


def column_values(daily: pd.DataFrame, name: str) -> NDArray[np.float64]:
    """A numeric column as floats, shape (D,) (missing column or values: 0)."""
    if name not in daily.columns:
        return np.zeros(len(daily))
    values: NDArray[np.float64] = (
        pd.to_numeric(daily[name], errors="coerce").fillna(0.0).to_numpy(dtype=np.float64)
    )
    return values


def message(ax: Axes, text: str) -> None:
    """Show ``text`` instead of a plot (no data)."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#555555",
            fontsize=9, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])

