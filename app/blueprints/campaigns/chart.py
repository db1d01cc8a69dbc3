"""Server-side SVG charts for campaign pages (no JavaScript, no CDN)."""
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.formatting import money, number

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_BOTTOM, PAD_TOP = 720, 220, 56, 48, 28, 22
MIN_DAYS = 7  # a day or two of data still sits on a week's axis: bars keep a bar's width
MAX_FILLED_SPAN = 62  # longer gaps between days with data are not drawn as empty days
MAX_BAR = 36


def _days(series: list[tuple[date, int, int, float]]) -> list[tuple[date, int, int, float]]:
    """Every calendar day from the first (at least a week back from the last) to the last; no data is zero."""
    by_day = {row[0]: row for row in series}
    last = series[-1][0]
    first = min(series[0][0], last - timedelta(days=MIN_DAYS - 1))
    if (last - first).days >= MAX_FILLED_SPAN:
        return series
    return [by_day.get(first + timedelta(days=n), (first + timedelta(days=n), 0, 0, 0.0))
            for n in range((last - first).days + 1)]


def daily_chart(series: list[tuple[date, int, int, float]], currency: str = "USD") -> Markup:
    """Impressions as bars and clicks as a line with dots, one slot per day, each scaled to its own axis."""
    if not series:
        return Markup("")
    days = _days(series)
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_BOTTOM - PAD_TOP
    top_views = max(v for _d, v, _c, _s in days) or 1
    top_clicks = max(c for _d, _v, c, _s in days) or 1
    slot = plot_w / len(days)
    bar_w = min(slot * 0.7, MAX_BAR)
    bars, points, dots, labels = [], [], [], []
    for i, (day, views, clicks, spend) in enumerate(days):
        centre = PAD_LEFT + i * slot + slot / 2
        h = plot_h * views / top_views
        tip = escape(_("%(day)s: %(views)s impressions, %(clicks)s clicks, %(spend)s spent",
                       day=format_date(day, "medium"), views=number(views), clicks=number(clicks),
                       spend=money(spend, currency)))
        bars.append(f'<rect x="{centre - bar_w / 2:.1f}" y="{PAD_TOP + plot_h - h:.1f}" width="{bar_w:.1f}" '
                    f'height="{h:.1f}" fill="#93c5fd"><title>{tip}</title></rect>')
        y = PAD_TOP + plot_h - plot_h * clicks / top_clicks
        points.append(f"{centre:.1f},{y:.1f}")
        dots.append(f'<circle cx="{centre:.1f}" cy="{y:.1f}" r="3" fill="#1d4ed8"><title>{tip}</title></circle>')
        if len(days) <= 10 or i % max(1, len(days) // 8) == 0:
            labels.append(f'<text x="{centre:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
                          f'{escape(format_date(day, "d MMM"))}</text>')
    right = WIDTH - PAD_RIGHT
    views_label, clicks_label = escape(_("Impressions (left axis)")), escape(_("Clicks (right axis)"))
    title = escape(_("Daily impressions and clicks"))
    axis = (f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{right}" y2="{PAD_TOP + plot_h}" stroke="#d1d5db"/>'
            f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + 8}" text-anchor="end">{escape(number(top_views))}</text>'
            f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + plot_h}" text-anchor="end">0</text>'
            f'<text x="{right + 6}" y="{PAD_TOP + 8}" fill="#1d4ed8">{escape(number(top_clicks))}</text>'
            f'<text x="{right + 6}" y="{PAD_TOP + plot_h}">0</text>')
    legend = (f'<rect x="{PAD_LEFT}" y="2" width="10" height="10" fill="#93c5fd"/>'
              f'<text x="{PAD_LEFT + 14}" y="11">{views_label}</text>'
              f'<line x1="{PAD_LEFT + 190}" y1="7" x2="{PAD_LEFT + 204}" y2="7" stroke="#1d4ed8" stroke-width="2"/>'
              f'<text x="{PAD_LEFT + 208}" y="11">{clicks_label}</text>')
    line = f'<polyline points="{" ".join(points)}" fill="none" stroke="#1d4ed8" stroke-width="2"/>'
    return Markup(f'<svg class="chart" role="img" aria-label="{title}" '
                  f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet">'
                  f'{legend}{axis}{"".join(bars)}{line}{"".join(dots)}{"".join(labels)}</svg>')
