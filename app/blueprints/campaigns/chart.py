"""Server-side SVG charts for campaign pages (no JavaScript, no CDN)."""
from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 720, 220, 48, 28, 12


def daily_chart(series: list[tuple[date, int, int, float]]) -> Markup:
    """Impressions as bars and clicks as a line, one slot per day, each scaled to its own axis."""
    if not series:
        return Markup("")
    plot_w, plot_h = WIDTH - PAD_LEFT - 12, HEIGHT - PAD_BOTTOM - PAD_TOP
    top_views = max(v for _, v, _, _ in series) or 1
    top_clicks = max(c for _, _, c, _ in series) or 1
    slot = plot_w / len(series)
    bars, points, labels = [], [], []
    for i, (day, views, clicks, spend) in enumerate(series):
        x = PAD_LEFT + i * slot
        h = plot_h * views / top_views
        bars.append(f'<rect x="{x + slot * 0.15:.1f}" y="{PAD_TOP + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
                    f'height="{h:.1f}" fill="#93c5fd"><title>{day.isoformat()}: {views} impressions, '
                    f'{clicks} clicks, {spend:.2f} spent</title></rect>')
        points.append(f"{x + slot / 2:.1f},{PAD_TOP + plot_h - plot_h * clicks / top_clicks:.1f}")
        if len(series) <= 10 or i % max(1, len(series) // 8) == 0:
            labels.append(f'<text x="{x + slot / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
                          f'{day.strftime("%d %b")}</text>')
    axis = (f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - 12}" y2="{PAD_TOP + plot_h}" '
            f'stroke="#d1d5db"/><text x="{PAD_LEFT - 6}" y="{PAD_TOP + 8}" text-anchor="end">{top_views}</text>'
            f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + plot_h}" text-anchor="end">0</text>')
    legend = (f'<rect x="{PAD_LEFT}" y="0" width="10" height="10" fill="#93c5fd"/>'
              f'<text x="{PAD_LEFT + 14}" y="9">{escape("Impressions")}</text>'
              f'<line x1="{PAD_LEFT + 110}" y1="5" x2="{PAD_LEFT + 124}" y2="5" stroke="#1d4ed8" stroke-width="2"/>'
              f'<text x="{PAD_LEFT + 128}" y="9">{escape("Clicks (max " + str(top_clicks) + ")")}</text>')
    line = f'<polyline points="{" ".join(points)}" fill="none" stroke="#1d4ed8" stroke-width="2"/>'
    return Markup(f'<svg class="chart" role="img" aria-label="Daily impressions and clicks" '
                  f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet">'
                  f'{legend}{axis}{"".join(bars)}{line}{"".join(labels)}</svg>')
