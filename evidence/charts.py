"""Horizontal bar charts as SVG geometry for ``evidence/_bar_chart.html``.

Readable without colour: every bar carries its series name and value as text, and each
series has its own fill pattern (solid, hatched, dotted...) shown in a legend. No inline
styles or scripts (the Content Security Policy forbids them): sizes are SVG attributes.
The same figures are in the table under the charts.
"""

from __future__ import annotations

from dataclasses import dataclass

from .metrics import Figures, format_value

LABEL_WIDTH = 210
BAR_AREA = 330
VALUE_GAP = 6
WIDTH = LABEL_WIDTH + BAR_AREA + 230
BAR_HEIGHT = 20
BAR_GAP = 4
GROUP_GAP = 14
LEGEND_HEIGHT = 30
# Patterns by series index; the template defines them.
PATTERNS = ["solid", "hatch", "dots", "cross", "lines"]


@dataclass
class Bar:
    y: int
    width: float
    text_x: float
    text: str
    pattern: str


@dataclass
class Group:
    label: str
    y: int
    label_y: int
    bars: list[Bar]


@dataclass
class Chart:
    id: str
    title: str
    unit: str
    series: list[tuple[str, str]]  # (label, pattern)
    groups: list[Group]
    height: int
    width: int = WIDTH
    label_width: int = LABEL_WIDTH


def bar_chart(chart_id, title, unit, series, groups) -> Chart:
    """``groups``: [(category label, [value per series])]; values None are drawn as no data."""
    values = [v for _label, vs in groups for v in vs if v is not None]
    top = max(values) if values else 0
    y = LEGEND_HEIGHT
    out = []
    for label, vs in groups:
        bars = []
        group_top = y
        for index, value in enumerate(vs):
            width = 0.0 if not top or value is None else BAR_AREA * value / top
            shown = "no data" if value is None else format_value(value, unit)
            bars.append(
                Bar(
                    y=y,
                    width=round(width, 1),
                    text_x=round(LABEL_WIDTH + width + VALUE_GAP, 1),
                    text=f"{series[index]}: {shown}" if len(series) > 1 else shown,
                    pattern=PATTERNS[index % len(PATTERNS)],
                )
            )
            y += BAR_HEIGHT + BAR_GAP
        out.append(Group(label=label, y=group_top, label_y=group_top + 15, bars=bars))
        y += GROUP_GAP
    return Chart(
        id=chart_id,
        title=title,
        unit=unit,
        series=[(s, PATTERNS[i % len(PATTERNS)]) for i, s in enumerate(series)],
        groups=out,
        height=y,
    )


def charts_for(figures: Figures) -> list[Chart]:
    cols = [c.label for c in figures.columns]
    if len(cols) > 1 and figures.columns[-1].key == "all":
        # The total would dwarf the parts; the table has it.
        cols_for_charts = list(range(len(cols) - 1))
    else:
        cols_for_charts = list(range(len(cols)))

    def values(label):
        row = figures.row(label)
        return [row.values[i] for i in cols_for_charts]

    def per_column(chart_id, title, unit, series_rows):
        """One group per column, one bar per row named in ``series_rows``."""
        series = [name for name, _label in series_rows]
        data = [values(label) for _name, label in series_rows]
        groups = [
            (cols[c], [data[s][k] for s in range(len(series))])
            for k, c in enumerate(cols_for_charts)
        ]
        return bar_chart(chart_id, title, unit, series, groups)

    charts = [
        per_column(
            "chart-medical",
            "Observations, medical and non-medical",
            "count",
            [("Medical", "Medical"), ("Non-medical", "Non-medical")],
        )
    ]
    kind_rows = [r for r in figures.rows if r.label.startswith("Kind: ")]
    charts.append(
        bar_chart(
            "chart-kinds",
            "Observations by kind",
            "count",
            [cols[c] for c in cols_for_charts],
            [
                (r.label.removeprefix("Kind: "), [r.values[c] for c in cols_for_charts])
                for r in kind_rows
            ],
        )
    )
    for key, label in [
        ("triage", "triage"),
        ("referral", "referral to a service"),
        ("outcome", "outcome"),
    ]:
        charts.append(
            per_column(
                f"chart-{key}",
                f"Hours from observation to {label}",
                "hours",
                [
                    ("Median", f"Median hours to {label}"),
                    ("90th percentile", f"90th percentile hours to {label}"),
                ],
            )
        )
    charts.append(
        per_column(
            "chart-fed-back",
            "Share of outcomes fed back to volunteers (%)",
            "percent",
            [("Fed back", "Share of outcomes fed back (%)")],
        )
    )
    charts.append(
        per_column(
            "chart-overdue",
            "Follow-ups past their due time",
            "count",
            [
                ("Overdue now", "Overdue now (no outcome, past due)"),
                ("Outcome late", "Outcome after its due time"),
            ],
        )
    )
    attendance = [r for r in figures.rows if r.label.startswith("Attendance: ")]
    charts.append(
        per_column(
            "chart-attendance",
            "Volunteer meeting attendance by role",
            "count",
            [(r.label.removeprefix("Attendance: "), r.label) for r in attendance],
        )
    )
    others = [
        (name, label)
        for name, label in [
            ("MDT items with a volunteer", "MDT items with a volunteer attending"),
            ("Stories published", "Stories published"),
            ("Volunteers active", "Volunteers active"),
        ]
        if any(r.label == label for r in figures.rows)
    ]
    charts.append(per_column("chart-people", "Stories, MDTs and volunteers", "count", others))
    return charts
