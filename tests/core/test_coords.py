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


def test_the_browser_transform_agrees(tmp_path):
    """static/luoshi/map.js carries the same transform for the maps: run it with node when present."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    node = shutil.which("node")
    if node is None:
        pytest.skip("node 未安装,跳过浏览器端坐标转换的核对")
    path = Path(__file__).resolve().parents[2] / "static" / "luoshi" / "map.js"
    source = path.read_text(encoding="utf-8")
    code = source[source.index("var A = 6378245.0") : source.index("function readConfig")]
    points = [wgs for wgs, _ in KNOWN] + [(112.93, 28.23)]
    script = code + f"console.log(JSON.stringify({json.dumps(points)}.map(function (p) {{"
    script += "var g = wgsToGcj(p[0], p[1]); return [g, gcjToWgs(g[0], g[1])]; })));"
    out = json.loads(subprocess.run([node, "-e", script], capture_output=True, text=True, check=True).stdout)
    for (lon, lat), (gcj, back) in zip(points, out, strict=True):
        assert gcj == pytest.approx(list(wgs84_to_gcj02(lon, lat)), abs=1e-9)
        assert back == pytest.approx([lon, lat], abs=1e-7)
