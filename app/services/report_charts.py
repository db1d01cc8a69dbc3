"""Small server-side SVG charts for PDF reports and the dashboard (WeasyPrint draws SVG; no JavaScript, no CDN).

Labels speak the reader's language (days and numbers through Babel). Bars of one colour are one `<path>`, not a
`<rect>` each: WeasyPrint draws every SVG node on its own, so fewer nodes draw faster and the picture is the same.
"""
from datetime import date, timedelta

from flask_babel import format_date, gettext as _
from markupsafe import Markup, escape

from app.formatting import number

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 680, 200, 60, 16, 16, 30


def every_day(rows: list[tuple], since: date, until: date, empty: tuple) -> list[tuple]:
    """`rows` (day first) with a row of `empty` values for each day of the period without one."""
    by_day = {row[0]: row for row in rows}
    return [by_day.get(since + timedelta(days=n), (since + timedelta(days=n), *empty))
            for n in range((until - since).days + 1)]


def _day(day: date) -> str:
    return escape(format_date(day, "d MMM"))  # "1 Mar", "1 mar" in the reader's language


def _bar(x: float, y: float, width: float, height: float) -> str:
    """One bar as a closed subpath, so bars of one colour are one <path>."""
    return f"M{x:.1f} {y:.1f}h{width:.1f}v{height:.1f}h{-width:.1f}z"


def daily_lines(days: list[tuple[date, int, int]], *, views_label: str, clicks_label: str) -> Markup:
    """Views (bars) and clicks (a line) per day, each on its own scale; empty when there is nothing to draw."""
    if not days:
        return Markup("")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_v = max(v for _d, v, _c in days) or 1
    top_c = max(c for _d, _v, c in days) or 1
    slot = plot_w / len(days)
    bar = max(min(slot * 0.7, 24), 0.6)
    bars, parts, points = [], [], []
    for i, (day, views, clicks) in enumerate(days):
        x = LEFT + i * slot + slot / 2
        h = plot_h * views / top_v
        bars.append(_bar(x - bar / 2, TOP + plot_h - h, bar, h))
        points.append(f"{x:.1f},{TOP + plot_h - plot_h * clicks / top_c:.1f}")
        if len(days) <= 12 or i % max(1, len(days) // 10) == 0:
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 12}" text-anchor="middle">{_day(day)}</text>')
    axis = (f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#9ca3af"/>'
            f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{number(top_v)}</text>'
            f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>')
    clicks_legend = _("%(label)s (max. %(count)s)", label=clicks_label, count=number(top_c))
    legend = (f'<rect x="{LEFT}" y="{HEIGHT - 9}" width="9" height="9" fill="#93c5fd"/>'
              f'<text x="{LEFT + 13}" y="{HEIGHT - 1}">{escape(views_label)}</text>'
              f'<line x1="{LEFT + 200}" y1="{HEIGHT - 5}" x2="{LEFT + 218}" y2="{HEIGHT - 5}" stroke="#1d4ed8" '
              f'stroke-width="2"/><text x="{LEFT + 222}" y="{HEIGHT - 1}">{escape(clicks_legend)}</text>')
    line = f'<polyline points="{" ".join(points)}" fill="none" stroke="#1d4ed8" stroke-width="1.5"/>'
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 12}" '
                  f'font-family="DejaVu Sans" font-size="9">{axis}<path d="{"".join(bars)}" fill="#93c5fd"/>'
                  f'{"".join(parts)}{line}{legend}</svg>')


def spend_bars(rows: list[tuple[str, float, float]], *, spend_label: str, budget_label: str) -> Markup:
    """Spend against budget per campaign, one horizontal pair of bars each."""
    if not rows:
        return Markup("")
    row_h, label_w, width = 18, 200, WIDTH
    top = max(max(s, b) for _n, s, b in rows) or 1
    plot_w = width - label_w - 70
    parts, budgets, under, over = [], [], [], []
    for i, (name, spend, budget) in enumerate(rows):
        y = 4 + i * row_h
        short = name if len(name) <= 32 else name[:31] + "…"
        budgets.append(_bar(label_w, y + 1, plot_w * budget / top, 13))
        (over if spend > budget else under).append(_bar(label_w, y + 4, plot_w * spend / top, 7))
        parts.append(f'<text x="{label_w - 6}" y="{y + 11}" text-anchor="end">{escape(short)}</text>'
                     f'<text x="{label_w + plot_w * max(spend, budget) / top + 4:.1f}" y="{y + 11}">'
                     f'{number(spend, 0)} / {number(budget, 0)}</text>')
    parts.insert(0, "".join(f'<path d="{"".join(bars)}" fill="{fill}"/>' for bars, fill in (
        (budgets, "#e5e7eb"), (under, "#2563eb"), (over, "#dc2626")) if bars))
    height = 8 + len(rows) * row_h + 16
    legend = (f'<rect x="{label_w}" y="{height - 11}" width="9" height="7" fill="#2563eb"/>'
              f'<text x="{label_w + 13}" y="{height - 4}">{escape(spend_label)}</text>'
              f'<rect x="{label_w + 120}" y="{height - 12}" width="9" height="9" fill="#e5e7eb"/>'
              f'<text x="{label_w + 133}" y="{height - 4}">{escape(budget_label)}</text>')
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
                  f'font-family="DejaVu Sans" font-size="9">{"".join(parts)}{legend}</svg>')


def day_bars(days: list[tuple[date, int]], *, label: str, colour: str = "#34d399") -> Markup:
    """One bar per day (audience growth: new customers a day)."""
    if not days:
        return Markup("")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max(n for _d, n in days) or 1
    slot = plot_w / len(days)
    bar = max(min(slot * 0.7, 24), 0.6)
    parts = []
    for i, (day, n) in enumerate(days):
        x = LEFT + i * slot + slot / 2
        h = plot_h * n / top
        parts.append(f'<rect x="{x - bar / 2:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                     f'fill="{colour}"><title>{_day(day)}: {number(n)}</title></rect>')
        if len(days) <= 12 or i % max(1, len(days) // 10) == 0:
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 12}" text-anchor="middle">{_day(day)}</text>')
    axis = (f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#9ca3af"/>'
            f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{number(top)}</text>'
            f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>'
            f'<rect x="{LEFT}" y="{HEIGHT - 9}" width="9" height="9" fill="{colour}"/>'
            f'<text x="{LEFT + 13}" y="{HEIGHT - 1}">{escape(label)}</text>')
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 12}" '
                  f'font-family="DejaVu Sans" font-size="9" role="img" aria-label="{escape(label)}">'
                  f'{axis}{"".join(parts)}</svg>')
