"""Server-rendered charts of the dashboard (no CDN, no JavaScript): a treemap of the organizations
under the one shown — area by the number of branches, colour by score — and the quarterly trend of
one organization's score. Geometry only; the template draws the SVG."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass
class Tile:
    x: float
    y: float
    w: float
    h: float
    label: str
    score: Decimal
    url: str
    weight: float

    @property
    def color(self) -> str:
        return score_color(self.score)

    @property
    def show_label(self) -> bool:
        return self.w > 60 and self.h > 28


def score_color(score) -> str:
    """Red (≤ 60) through amber to green (100), as an HSL colour."""
    value = max(60.0, min(100.0, float(score)))
    hue = (value - 60.0) / 40.0 * 120.0
    return f"hsl({hue:.0f}, 65%, 45%)"


def _worst(row: list[float], side: float) -> float:
    total = sum(row)
    return max(max(side * side * r / (total * total), total * total / (side * side * r)) for r in row)


def treemap(
    items: list[tuple[str, float, Decimal, str]], width: float = 960, height: float = 360
) -> list[Tile]:
    """Squarified treemap (Bruls, Huizing & van Wijk) of ``(label, weight, score, url)`` items."""
    items = sorted((i for i in items if i[1] > 0), key=lambda i: -i[1])
    total = sum(i[1] for i in items)
    if not items or total <= 0:
        return []
    scale = width * height / total
    areas = [i[1] * scale for i in items]
    tiles: list[Tile] = []
    x, y, w, h = 0.0, 0.0, float(width), float(height)
    start = 0
    while start < len(items):
        side = min(w, h)
        end = start + 1
        while end < len(items) and _worst(areas[start : end + 1], side) <= _worst(areas[start:end], side):
            end += 1
        row = areas[start:end]
        row_total = sum(row)
        if w >= h:  # lay the row out as a column on the left
            column = row_total / h
            offset = y
            for item, area in zip(items[start:end], row, strict=True):
                tile_h = area / column
                tiles.append(Tile(x, offset, column, tile_h, item[0], item[2], item[3], item[1]))
                offset += tile_h
            x, w = x + column, w - column
        else:  # a row along the top
            band = row_total / w
            offset = x
            for item, area in zip(items[start:end], row, strict=True):
                tile_w = area / band
                tiles.append(Tile(offset, y, tile_w, band, item[0], item[2], item[3], item[1]))
                offset += tile_w
            y, h = y + band, h - band
        start = end
    return tiles


@dataclass
class TrendPoint:
    label: str
    score: Decimal | None
    x: float = 0.0
    y: float = 0.0
    previous: TrendPoint | None = None  # the point the line comes from (both scores known)


def trend(
    points: list[TrendPoint], width: float = 480, height: float = 120, pad: float = 24
) -> list[TrendPoint]:
    """Place the quarterly scores (oldest first) on a 60–100 scale. A quarter without a score (not
    computed yet) gets no dot and breaks the line; its label sits at mid-height."""
    n = len(points)
    for i, p in enumerate(points):
        p.x = pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)
        value = float(p.score) if p.score is not None else 80.0
        p.y = pad + (height - 2 * pad) * (1 - (max(60.0, min(100.0, value)) - 60.0) / 40.0)
        before = points[i - 1] if i else None
        p.previous = (
            before if before is not None and before.score is not None and p.score is not None else None
        )
    return points
