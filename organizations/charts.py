"""Geometry for the portal's inline SVG charts: pure arithmetic on rows already counted.

The templates draw it (organizations/_bar_chart.html, the provisioning page's chart);
nothing here queries the database.
"""

from typing import Any

from organizations.reports import UNASSIGNED, Bucket, HeadcountRow


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2 or 5 times a power of ten that is at least value."""
    if value <= 1:
        return 1
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude >= value:
                return factor * magnitude
        magnitude *= 10


def activity_chart(buckets: list[Bucket], *, range_key: str) -> dict[str, Any]:
    """Geometry for a stacked column chart (succeeded + failed) drawn as inline SVG."""
    width, height = 760, 220
    left, right, top, bottom = 40, 10, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_ceiling(max((b.total for b in buckets), default=0))
    slot = plot_w / max(len(buckets), 1)
    bar_w = max(slot * 0.7, 2)
    label_every = {"24h": 3, "7d": 1, "30d": 5}[range_key]
    label_format = "%H:%M" if range_key == "24h" else "%b %d"
    bars = []
    for index, bucket in enumerate(buckets):
        x = left + index * slot + (slot - bar_w) / 2
        ok_h = plot_h * bucket.succeeded / top_value
        failed_h = plot_h * bucket.failed / top_value
        bars.append(
            {
                "x": round(x, 1),
                "width": round(bar_w, 1),
                "ok_y": round(top + plot_h - ok_h, 1),
                "ok_h": round(ok_h, 1),
                "failed_y": round(top + plot_h - ok_h - failed_h, 1),
                "failed_h": round(failed_h, 1),
                "label": bucket.start.strftime(label_format) if index % label_every == 0 else "",
                "label_x": round(x + bar_w / 2, 1),
                "title": f"{bucket.start.strftime('%b %d, %H:%M' if range_key == '24h' else '%a %b %d')}: "
                f"{bucket.total} event{'s' if bucket.total != 1 else ''}, {bucket.failed} failed",
                "bucket": bucket,
            }
        )
    grid = [
        {"y": round(top + plot_h - plot_h * fraction, 1), "value": round(top_value * fraction)}
        for fraction in (0, 0.5, 1)
        if top_value * fraction == int(top_value * fraction)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "baseline": top + plot_h,
        "label_y": height - 8,
        "bars": bars,
        "grid": grid,
        "total": sum(b.total for b in buckets),
        "failed": sum(b.failed for b in buckets),
    }


def bar_chart(rows: list[HeadcountRow], *, limit: int = 15) -> dict[str, Any]:
    """Geometry for a horizontal bar chart of the largest groups, drawn as inline SVG."""
    shown = rows[:limit]
    # Drawn about as wide as its card, so 12-unit text reads as 12px.
    width, label_w, value_w, row_h, bar_h = 460, 140, 44, 26, 16
    plot_w = width - label_w - value_w
    top_value = max((r.count for r in shown), default=0) or 1
    bars = []
    for index, row in enumerate(shown):
        y = 6 + index * row_h
        bar_w = max(plot_w * row.count / top_value, 2)
        label = row.label if len(row.label) <= 20 else row.label[:19] + "…"
        bars.append(
            {
                "label": label,
                "full_label": row.label,
                "count": row.count,
                "y": y,
                "text_y": y + bar_h - 3,
                "width": round(bar_w, 1),
                "value_x": round(label_w + bar_w + 6, 1),
                "unassigned": row.label == UNASSIGNED,
            }
        )
    return {
        "width": width,
        "height": 12 + len(shown) * row_h,
        "label_w": label_w,
        "label_x": label_w - 8,
        "bar_h": bar_h,
        "bars": bars,
        "hidden": max(len(rows) - len(shown), 0),
    }
