"""WGS-84 ↔ GCJ-02 on published reference points (the eviltransform test set)."""

import pytest

from core.coords import gcj02_to_wgs84, out_of_china, wgs84_to_gcj02

# (WGS-84 lon, lat) → (GCJ-02 lon, lat): Shanghai, Shenzhen, Beijing
KNOWN = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
]


@pytest.mark.parametrize(("wgs", "gcj"), KNOWN)
def test_known_points(wgs, gcj):
    lon, lat = wgs84_to_gcj02(*wgs)
    assert lon == pytest.approx(gcj[0], abs=1e-6) and lat == pytest.approx(gcj[1], abs=1e-6)
    back = gcj02_to_wgs84(*gcj)
    assert back[0] == pytest.approx(wgs[0], abs=1e-6) and back[1] == pytest.approx(wgs[1], abs=1e-6)


def test_the_district_shifts_by_hundreds_of_metres_and_round_trips():
    wgs = (112.93, 28.23)  # 岳麓区
    gcj = wgs84_to_gcj02(*wgs)
    assert 0.003 < abs(gcj[0] - wgs[0]) < 0.007 and 0.001 < abs(gcj[1] - wgs[1]) < 0.005
    back = gcj02_to_wgs84(*gcj)
    assert back == pytest.approx(wgs, abs=1e-7)


def test_outside_china_nothing_moves():
    assert out_of_china(2.35, 48.85)
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85) == gcj02_to_wgs84(2.35, 48.85)
