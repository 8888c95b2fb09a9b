"""The image's pixels are placed by pyproj at every 8th pixel and bilinearly between: checked
against pyproj on every pixel (a reference, not the code's own output)."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from workbench.geo import BNG
from workbench.maps.national import _lattice_transform


@pytest.mark.parametrize("w,h", [(1000, 925), (1, 1), (7, 3), (9, 17)])
def test_lattice_transform_matches_pyproj_on_every_pixel(w, h):
    tr = Transformer.from_crs("EPSG:3857", BNG, always_xy=True)
    px = -140_000 + (np.arange(w) + 0.5) * 12.0  # Leicester, 12 m pixels
    py = 6_900_000 - (np.arange(h) + 0.5) * 12.0
    ex, ey = _lattice_transform(tr, px, py)
    gx, gy = np.meshgrid(px, py)
    tx, ty = tr.transform(gx.ravel(), gy.ravel())
    assert ex.shape == ey.shape == (w * h,)
    np.testing.assert_allclose(ex, tx, atol=1e-3, rtol=0)  # within a millimetre
    np.testing.assert_allclose(ey, ty, atol=1e-3, rtol=0)
