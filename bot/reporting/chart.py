"""The weekly check-in chart for /mentor stats, drawn with matplotlib into PNG bytes."""

from __future__ import annotations

import io

from bot.reporting.stats import WeekRow


def checkin_chart(program_name: str, weeks: list[WeekRow]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # no display; safe in any thread of a server
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 3.6), dpi=100)
    axes = figure.subplots()
    labels = [w.week.strftime("%d %b") for w in weeks]
    for values, label, style in (
        ([w.sent for w in weeks], "sent", "o-"),
        ([w.answered for w in weeks], "answered", "s-"),
        ([w.met for w in weeks], '"we met"', "^-"),
    ):
        axes.plot(labels, values, style, label=label, linewidth=2, markersize=4)
    axes.set_title(f"Weekly check-ins: {program_name}")
    axes.set_ylabel("check-ins")
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left", frameon=False)
    axes.tick_params(axis="x", labelrotation=45)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
