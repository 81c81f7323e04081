"""Server-side SVG charts: geometry computed here, drawn by templates (`dashboards/partials/*.svg.html`).
No JavaScript and no CDN, so they work under `script-src 'self'`, print, and read in any language
(labels come from the same translated strings as the tables). Colours are CSS classes in app.css."""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 640
LEFT = 150  # room for category labels (Chinese labels are short, English ones longer)
RIGHT = 70
ROW = 22
GAP = 6
TOP = 8


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    value: float
    text: str
    series: int
    link: str = ""


@dataclass
class HBarChart:
    """Horizontal bars: one group per label, one bar per series."""

    key: str
    title: str
    labels: list[str]
    series_names: list[str]
    rows: list[dict] = field(default_factory=list)
    width: int = WIDTH
    height: int = 0
    legend: list[dict] = field(default_factory=list)
    kind: str = "hbar"

    @property
    def empty(self) -> bool:
        return not self.rows


def hbar_chart(key: str, title: str, labels: list[str], series: list[tuple[str, list]], *, links=None, fmt=None) -> HBarChart:
    """`series`: [(name, [value per label])]; `links`: [url per label] (optional)."""
    fmt = fmt or (lambda v: f"{v:,.0f}" if isinstance(v, (int, float)) and float(v).is_integer() else f"{v:,.1f}")
    values = [float(v or 0) for _name, vals in series for v in vals]
    top = max(values) if values else 0
    scale = (WIDTH - LEFT - RIGHT) / top if top > 0 else 0
    nser = max(len(series), 1)
    group_h = ROW * nser + GAP
    chart = HBarChart(key=key, title=title, labels=labels, series_names=[s[0] for s in series])
    for i, label in enumerate(labels):
        y0 = TOP + i * group_h
        bars = []
        for s, (_name, vals) in enumerate(series):
            raw = vals[i] if i < len(vals) else 0
            v = float(raw or 0)
            w = max(v * scale, 1.0 if v > 0 else 0.0)
            bars.append(Bar(x=LEFT, y=y0 + s * ROW, w=round(w, 1), h=ROW - 4, value=v, text=fmt(raw or 0), series=s,
                            link=(links[i] if links else "")))
        chart.rows.append({"label": label, "label_y": y0 + (ROW * nser) / 2 + 4, "bars": bars})
    chart.height = TOP * 2 + len(labels) * group_h
    chart.legend = [{"name": name, "series": s, "x": LEFT + s * 140} for s, name in enumerate(chart.series_names)] if len(series) > 1 else []
    if chart.legend:
        chart.height += 24
        for item in chart.legend:
            item["y"] = chart.height - 8
    return chart


@dataclass
class LineChart:
    key: str
    title: str
    width: int
    height: int
    lines: list[dict]
    xlabels: list[dict]
    yticks: list[dict]
    plot: dict
    kind: str = "line"

    @property
    def empty(self) -> bool:
        return not self.lines


def line_chart(key: str, title: str, xlabels: list[str], series: list[tuple[str, list]]) -> LineChart:
    """One polyline per series over shared x labels (e.g. weeks)."""
    width, height = WIDTH, 260
    left, right, top, bottom = 48, 12, 10, 40
    legend_rows = (len(series) + 2) // 3
    plot_h = height - top - bottom
    plot_w = width - left - right
    values = [float(v or 0) for _n, vals in series for v in vals]
    ymax = max(values) if values else 0
    ymax = _nice(ymax)
    n = len(xlabels)
    step = plot_w / (n - 1) if n > 1 else 0

    def xy(i, v):
        x = left + (i * step if n > 1 else plot_w / 2)
        y = top + plot_h - (float(v or 0) / ymax * plot_h if ymax else 0)
        return round(x, 1), round(y, 1)

    lines = []
    for s, (name, vals) in enumerate(series):
        pts = [xy(i, v) for i, v in enumerate(vals)]
        lines.append({
            "name": name, "series": s, "points": " ".join(f"{x},{y}" for x, y in pts),
            "dots": [{"x": x, "y": y, "v": vals[i]} for i, (x, y) in enumerate(pts)],
            "legend_x": left + (s % 3) * 200, "legend_y": height + 16 + (s // 3) * 18,
        })
    every = max(1, (n + 7) // 8)
    xl = [{"x": xy(i, 0)[0], "text": label} for i, label in enumerate(xlabels) if i % every == 0]
    yt = [{"y": round(top + plot_h - k / 4 * plot_h, 1), "text": f"{ymax * k / 4:,.0f}"} for k in range(5)]
    return LineChart(key=key, title=title, width=width, height=height + 8 + legend_rows * 18, lines=lines,
                     xlabels=xl, yticks=yt,
                     plot={"left": left, "right": width - right, "top": top, "bottom": top + plot_h,
                           "xlabel_y": top + plot_h + 18})


def _nice(value: float) -> float:
    if value <= 0:
        return 0
    for step in (1, 2, 4, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000):
        if value <= step * 4:
            return step * 4
    return value
