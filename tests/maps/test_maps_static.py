"""Static maps: PNG at 200 dpi and PDF, legend, scale bar, attribution; no network."""

from __future__ import annotations

import struct

import pytest

from workbench.errors import WorkbenchError
from workbench.maps import MapBuilder, static_map
from workbench.maps.static import nice_scale_length


@pytest.mark.parametrize(
    ("width", "expected"),
    [(12_000, 2000.0), (10_000, 2000.0), (24_000, 2000.0), (26_000, 5000.0), (900, 100.0)],
)
def test_nice_scale_length_by_hand(width, expected):
    # 20% of the width rounded down to 1, 2 or 5 x 10^k: 2,400 -> 2,000; 5,200 -> 5,000;
    # 180 -> 100.
    assert nice_scale_length(width) == expected


def _png_dpi(data: bytes) -> float:
    # pHYs chunk: pixels per metre (x, y) and unit 1 = metre.
    i = data.index(b"pHYs")
    ppm_x, _ppm_y, unit = struct.unpack(">IIB", data[i + 4 : i + 13])
    assert unit == 1
    return ppm_x * 0.0254


def test_writes_png_at_200_dpi_and_pdf(cells, lsoas, points, tmp_path):
    mb = MapBuilder("Drug offences", "2022", sources=["data.police.uk"])
    mb.add_gistar(cells).add_imd(lsoas, show=False).add_points(points, "Needle finds")
    mb.add_outline(lsoas.dissolve(), "Study area")
    png, pdf = static_map(mb, tmp_path / "map", figsize=(6, 4.5))
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert _png_dpi(data) == pytest.approx(200, abs=0.1)
    width = int.from_bytes(data[16:20], "big")
    assert width == pytest.approx(6 * 200, abs=2)
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_draws_the_shown_layers_and_texts(cells, lsoas, tmp_path, monkeypatch):
    mb = MapBuilder("Title here", "April 2021 to March 2022", sources=["data.police.uk"])
    mb.add_gistar(cells).add_imd(lsoas, show=False).add_outline(lsoas, "LSOAs")
    seen = {}
    from matplotlib.figure import Figure

    original = Figure.savefig

    def spy(self, *args, **kwargs):
        seen["texts"] = [t.get_text() for t in self.findobj(match=lambda a: hasattr(a, "get_text"))]
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    static_map(mb, tmp_path / "m", formats=("png",), dpi=50)
    texts = "\n".join(seen["texts"])
    assert "Title here\nApril 2021 to March 2022" in texts
    assert "Hot spot 99%" in texts and "Cold spot 99%" in texts and "Not significant" in texts
    assert "1 (most deprived 10%)" not in texts  # IMD layer is hidden by default
    assert "N" in seen["texts"]  # north arrow
    assert any(t.endswith(" m") or t.endswith(" km") for t in seen["texts"])  # scale bar
    assert "Open Government Licence v3.0" in texts
    static_map(mb, tmp_path / "m2", formats=("png",), dpi=50, layers=["IMD 2019 decile"])
    assert "1 (most deprived 10%)" in "\n".join(seen["texts"])


def test_errors_name_the_problem(cells, tmp_path):
    mb = MapBuilder("T", "2022").add_gistar(cells, show=False)
    with pytest.raises(WorkbenchError, match="no layer to draw"):
        static_map(mb, tmp_path / "x")
    with pytest.raises(WorkbenchError, match="no layer named 'Nope'"):
        static_map(mb, tmp_path / "x", layers=["Nope"])
    with pytest.raises(WorkbenchError, match="formats"):
        static_map(mb, tmp_path / "x", layers=["Hot spots (Gi*)"], formats=("jpg",))


def test_static_rate_map_greys_out_small_counts_like_the_html(lsoas, tmp_path, monkeypatch):
    # counts [12, 3, 0, 40]: row 1 (count 3) is drawn in the suppressed grey, with its legend
    # item, in the PNG/PDF as in the interactive map.
    from matplotlib.colors import to_rgba
    from matplotlib.figure import Figure

    from workbench.maps.layers import SUPPRESSED_COLOR

    mb = MapBuilder("Rates", "2022").add_rates(lsoas)
    seen = {}
    original = Figure.savefig

    def spy(self, *args, **kwargs):
        seen["texts"] = [t.get_text() for t in self.findobj(match=lambda a: hasattr(a, "get_text"))]
        seen["faces"] = [tuple(c) for c in self.axes[0].collections[0].get_facecolors()]
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    static_map(mb, tmp_path / "rates", formats=("png",), dpi=50)
    assert "Fewer than 5 events (not shown)" in seen["texts"]
    grey = to_rgba(SUPPRESSED_COLOR, 0.75)
    assert [f == pytest.approx(grey) for f in seen["faces"]] == [False, True, False, False]
    static_map(
        MapBuilder("Rates", "2022").add_rates(lsoas, suppress_small=False),
        tmp_path / "opt_out",
        formats=("png",),
        dpi=50,
    )
    assert "Fewer than 5 events (not shown)" not in seen["texts"]
    assert not any(f == pytest.approx(grey) for f in seen["faces"])
