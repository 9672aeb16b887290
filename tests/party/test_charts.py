"""The dashboard's server-rendered charts: the squarified treemap fills the box with areas in
proportion to the weights, colours follow the score, and the dashboard draws both charts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orgs.roles import Role
from party import charts

from ..conftest import grant


def test_treemap_areas_are_proportional_and_inside_the_box():
    items = [(f"组织{i}", w, Decimal(70 + i), f"?org={i}") for i, w in enumerate((6, 6, 4, 3, 2, 2, 1))]
    tiles = charts.treemap(items, 600, 400)
    assert len(tiles) == 7
    total = sum(t.w * t.h for t in tiles)
    assert total == pytest.approx(600 * 400)
    for t in tiles:
        assert t.w * t.h == pytest.approx(600 * 400 * t.weight / 24)
        assert t.x >= -1e-6 and t.x + t.w <= 600 + 1e-6 and t.y >= -1e-6 and t.y + t.h <= 400 + 1e-6
    assert charts.treemap([], 600, 400) == []


def test_score_colours_run_from_red_to_green():
    assert charts.score_color(Decimal("55")) == "hsl(0, 65%, 45%)"
    assert charts.score_color(Decimal("100")) == "hsl(120, 65%, 45%)"
    assert charts.score_color(Decimal("80")) == "hsl(60, 65%, 45%)"


def test_trend_points_on_the_scale():
    points = charts.trend(
        [charts.TrendPoint("a", Decimal(100)), charts.TrendPoint("b", Decimal(60))], 480, 120, 24
    )
    assert (points[0].x, points[0].y) == (24, 24) and (points[1].x, points[1].y) == (456, 96)
    assert points[1].previous is points[0]


def test_a_quarter_without_a_score_is_not_drawn_as_a_full_score():
    # (a large subtree's quarter not computed yet: before, it was plotted at 100 and joined up)
    a, gap, c = (
        charts.TrendPoint("a", Decimal(70)),
        charts.TrendPoint("b", None),
        charts.TrendPoint("c", Decimal(90)),
    )
    charts.trend([a, gap, c], 480, 120, 24)
    assert gap.previous is None and c.previous is None  # the line breaks on both sides
    assert gap.y == 60  # its "—" sits at mid-height, not at the top of the scale


@pytest.mark.django_db
def test_dashboard_draws_the_treemap_and_trend(client, world, branch):
    client.force_login(grant(world, "zuzhibu", Role.ORG_DEPT, "party"))
    page = client.get(reverse("party:dashboard") + f"?org={world['w1'].pk}").content.decode()
    assert 'id="treemap"' in page and 'id="trend"' in page and branch.short_name[:6] in page
