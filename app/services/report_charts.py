"""Small server-side SVG charts for PDF reports (WeasyPrint draws SVG; no JavaScript, no CDN)."""
from datetime import date, timedelta

from markupsafe import Markup, escape

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 680, 200, 60, 16, 16, 30


def every_day(rows: list[tuple], since: date, until: date, empty: tuple) -> list[tuple]:
    """`rows` (day first) with a row of `empty` values for each day of the period without one."""
    by_day = {row[0]: row for row in rows}
    return [by_day.get(since + timedelta(days=n), (since + timedelta(days=n), *empty))
            for n in range((until - since).days + 1)]


def daily_lines(days: list[tuple[date, int, int]], *, views_label: str, clicks_label: str) -> Markup:
    """Views (bars) and clicks (a line) per day, each on its own scale; empty when there is nothing to draw."""
    if not days:
        return Markup("")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_v = max(v for _d, v, _c in days) or 1
    top_c = max(c for _d, _v, c in days) or 1
    slot = plot_w / len(days)
    bar = max(min(slot * 0.7, 24), 0.6)
    parts, points = [], []
    for i, (day, views, clicks) in enumerate(days):
        x = LEFT + i * slot + slot / 2
        h = plot_h * views / top_v
        parts.append(f'<rect x="{x - bar / 2:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                     f'fill="#93c5fd"/>')
        points.append(f"{x:.1f},{TOP + plot_h - plot_h * clicks / top_c:.1f}")
        if len(days) <= 12 or i % max(1, len(days) // 10) == 0:
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 12}" text-anchor="middle">{day:%d %b}</text>')
    axis = (f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#9ca3af"/>'
            f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{top_v:,}</text>'
            f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>')
    legend = (f'<rect x="{LEFT}" y="{HEIGHT - 9}" width="9" height="9" fill="#93c5fd"/>'
              f'<text x="{LEFT + 13}" y="{HEIGHT - 1}">{escape(views_label)}</text>'
              f'<line x1="{LEFT + 200}" y1="{HEIGHT - 5}" x2="{LEFT + 218}" y2="{HEIGHT - 5}" stroke="#1d4ed8" '
              f'stroke-width="2"/><text x="{LEFT + 222}" y="{HEIGHT - 1}">{escape(clicks_label)} '
              f'({top_c:,} max)</text>')
    line = f'<polyline points="{" ".join(points)}" fill="none" stroke="#1d4ed8" stroke-width="1.5"/>'
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 12}" '
                  f'font-family="DejaVu Sans" font-size="9">{axis}{"".join(parts)}{line}{legend}</svg>')


def spend_bars(rows: list[tuple[str, float, float]], *, spend_label: str, budget_label: str) -> Markup:
    """Spend against budget per campaign, one horizontal pair of bars each."""
    if not rows:
        return Markup("")
    row_h, label_w, width = 18, 200, WIDTH
    top = max(max(s, b) for _n, s, b in rows) or 1
    plot_w = width - label_w - 70
    parts = []
    for i, (name, spend, budget) in enumerate(rows):
        y = 4 + i * row_h
        short = name if len(name) <= 32 else name[:31] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + 11}" text-anchor="end">{escape(short)}</text>'
                     f'<rect x="{label_w}" y="{y + 1}" width="{plot_w * budget / top:.1f}" height="13" '
                     f'fill="#e5e7eb"/>'
                     f'<rect x="{label_w}" y="{y + 4}" width="{plot_w * spend / top:.1f}" height="7" '
                     f'fill="{"#dc2626" if spend > budget else "#2563eb"}"/>'
                     f'<text x="{label_w + plot_w * max(spend, budget) / top + 4:.1f}" y="{y + 11}">'
                     f'{spend:,.0f} / {budget:,.0f}</text>')
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
                     f'fill="{colour}"><title>{day:%d %b}: {n:,}</title></rect>')
        if len(days) <= 12 or i % max(1, len(days) // 10) == 0:
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 12}" text-anchor="middle">{day:%d %b}</text>')
    axis = (f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#9ca3af"/>'
            f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{top:,}</text>'
            f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>'
            f'<rect x="{LEFT}" y="{HEIGHT - 9}" width="9" height="9" fill="{colour}"/>'
            f'<text x="{LEFT + 13}" y="{HEIGHT - 1}">{escape(label)}</text>')
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 12}" '
                  f'font-family="DejaVu Sans" font-size="9" role="img" aria-label="{escape(label)}">'
                  f'{axis}{"".join(parts)}</svg>')
