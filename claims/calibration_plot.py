"""Calibration plot as SVG: predicted probability against observed frequency, with bin counts.

Colours come from the admin's CSS variables when the SVG is inlined in an admin page (so it
follows the light or dark theme), and from its own light/dark palette when served alone.
"""

from xml.sax.saxutils import escape

from claims.scoring import CalibrationBin

WIDTH, HEIGHT = 480, 420
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 40, 64
PLOT_W = WIDTH - LEFT - RIGHT
PLOT_H = HEIGHT - TOP - BOTTOM

_STYLE = """
.cl-cal{--cl-bg:#fff;--cl-fg:#333;--cl-quiet:#666;--cl-grid:#e8e8e8;--cl-point:#417690;--cl-edge:#417690}
@media (prefers-color-scheme: dark){
.cl-cal{--cl-bg:#121212;--cl-fg:#eee;--cl-quiet:#aaa;--cl-grid:#333;--cl-point:#81d4fa;--cl-edge:#81d4fa}
}
.cl-cal text{font-family:var(--font-family-primary,sans-serif);font-size:12px;
fill:var(--body-fg,var(--cl-fg))}
.cl-cal .cl-bg{fill:var(--body-bg,var(--cl-bg))}
.cl-cal .cl-quiet{fill:var(--body-quiet-color,var(--cl-quiet))}
.cl-cal .cl-axis{stroke:var(--body-quiet-color,var(--cl-quiet));stroke-width:1}
.cl-cal .cl-grid{stroke:var(--hairline-color,var(--cl-grid));stroke-width:1}
.cl-cal .cl-diag{stroke:var(--body-quiet-color,var(--cl-quiet));stroke-dasharray:4 4}
.cl-cal .cl-point{fill:var(--link-fg,var(--cl-point));fill-opacity:.55;stroke:var(--link-fg,var(--cl-edge))}
"""


def _x(p: float) -> float:
    return round(LEFT + p * PLOT_W, 1)


def _y(p: float) -> float:
    return round(TOP + (1 - p) * PLOT_H, 1)


def calibration_svg(
    bins: list[CalibrationBin], *, title: str = "Calibration", element_id: str = "cl-cal"
) -> str:
    """An SVG document: one circle per non-empty bin (area grows with its count), labelled n=count.

    element_id keeps the title and description ids unique when several plots share a page.
    """
    filled = [b for b in bins if b.count]
    largest = max((b.count for b in filled), default=1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cl-cal" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{element_id}-title {element_id}-desc">',
        f'<title id="{element_id}-title">{escape(title)}</title>',
        f'<desc id="{element_id}-desc">{escape(_describe(filled))}</desc>',
        f"<style>{_STYLE}</style>",
        f'<rect class="cl-bg" x="0" y="0" width="{WIDTH}" height="{HEIGHT}"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-weight="bold">{escape(title)}</text>',
    ]
    for step in range(6):
        p = step / 5
        parts += [
            f'<line class="cl-grid" x1="{_x(p)}" y1="{_y(0)}" x2="{_x(p)}" y2="{_y(1)}"/>',
            f'<line class="cl-grid" x1="{_x(0)}" y1="{_y(p)}" x2="{_x(1)}" y2="{_y(p)}"/>',
            f'<text x="{_x(p)}" y="{_y(0) + 18}" text-anchor="middle">{p:.1f}</text>',
            f'<text x="{_x(0) - 8}" y="{_y(p) + 4}" text-anchor="end">{p:.1f}</text>',
        ]
    parts += [
        f'<line class="cl-axis" x1="{_x(0)}" y1="{_y(0)}" x2="{_x(1)}" y2="{_y(0)}"/>',
        f'<line class="cl-axis" x1="{_x(0)}" y1="{_y(0)}" x2="{_x(0)}" y2="{_y(1)}"/>',
        f'<line class="cl-diag" x1="{_x(0)}" y1="{_y(0)}" x2="{_x(1)}" y2="{_y(1)}"/>',
        f'<text x="{_x(0.5)}" y="{HEIGHT - 18}" text-anchor="middle">Predicted probability</text>',
        f'<text transform="translate(18 {_y(0.5)}) rotate(-90)" text-anchor="middle">'
        "Observed frequency</text>",
    ]
    if not filled:
        parts.append(
            f'<text class="cl-quiet" x="{_x(0.5)}" y="{_y(0.5)}" text-anchor="middle">'
            "No scored forecasts yet</text>"
        )
    for b in filled:
        radius = round(5 + 11 * (b.count / largest) ** 0.5, 1)
        cx, cy = _x(b.mean_predicted), _y(b.observed_frequency)
        label_y = cy - radius - 4 if cy - radius - 4 > TOP + 8 else cy + radius + 14
        parts += [
            f'<circle class="cl-point" cx="{cx}" cy="{cy}" r="{radius}">'
            f"<title>{escape(_bin_text(b))}</title></circle>",
            f'<text x="{cx}" y="{label_y}" text-anchor="middle">n={b.count}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)


def _bin_text(b: CalibrationBin) -> str:
    return (
        f"{b.lower:.1f}–{b.upper:.1f}: {b.count} forecast(s), mean predicted {b.mean_predicted:.3f}, "
        f"observed {b.observed_frequency:.3f}"
    )


def _describe(filled: list[CalibrationBin]) -> str:
    if not filled:
        return "No scored forecasts yet."
    return "Predicted against observed, per bin: " + "; ".join(_bin_text(b) for b in filled) + "."
