"""Offline HTML: one file, Leaflet inlined from XStatic, nothing external, text escaped."""

from __future__ import annotations

import json
import re

import folium
import pytest
from maps_values import XSS_IMG, XSS_SCRIPT

from workbench.errors import WorkbenchError
from workbench.maps import MapBuilder, os_attribution, save_map
from workbench.maps.offline import (
    asset_paths,
    compact_geojson,
    external_references,
    make_offline,
)


@pytest.fixture
def builder(cells, lsoas, points):
    mb = MapBuilder(
        "Drug offences " + XSS_SCRIPT,
        "December 2019 to October 2022",
        sources=["data.police.uk", XSS_IMG],
    )
    mb.add_gistar(cells).add_imd(lsoas, show=False)
    mb.add_points(points, "Needle finds", label="location")
    mb.add_outline(lsoas.dissolve(), "Study area")
    return mb


def test_offline_file_is_self_contained(builder, tmp_path):
    path = save_map(builder, tmp_path / "map.html", offline=True)
    html = path.read_text(encoding="utf-8")
    assert external_references(html) == []
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    # Leaflet's own code is there (from the XStatic package), its images as data URIs.
    leaflet = asset_paths()["leaflet.js"].read_text(encoding="utf-8")
    assert leaflet[200:400] in html
    assert "data:image/png;base64," in html
    for unwanted in ("jquery", "bootstrap", "awesome-markers", "fontawesome", "glyphicons"):
        assert unwanted not in html.lower()
    assert "tileLayer(" not in html.split("(inlined)")[-1]


def test_notice_names_period_sources_licences_and_libraries(builder, tmp_path):
    html = save_map(builder, tmp_path / "map.html").read_text(encoding="utf-8")
    assert "<title>Drug offences &lt;script&gt;" in html
    for text in (
        "December 2019 to October 2022",
        "data.police.uk",
        "Open Government Licence v3.0",
        "Contains OS data \\u00a9 Crown copyright and database right",
        "Leaflet 1.9.3 (BSD-2-Clause)",
        "Leaflet.markercluster 1.4.1 (MIT)",
    ):
        assert text in html, text


def test_no_input_markup_survives_unescaped(builder, tmp_path):
    html = save_map(builder, tmp_path / "map.html").read_text(encoding="utf-8")
    assert XSS_SCRIPT not in html and XSS_IMG not in html
    # Raw (or JSON-quoted) attribute forms; Leaflet's own code has "e.onerror=" assignments.
    assert 'onerror="' not in html and 'onerror=\\"' not in html
    # What is there is the escaped text, inside JSON strings.
    assert "\\u0026lt;script\\u0026gt;window.__xss" in html


def test_online_map_uses_cdn_but_not_jquery_or_bootstrap(builder, tmp_path):
    html = save_map(builder, tmp_path / "online.html", offline=False).read_text(encoding="utf-8")
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in html
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()


def test_tile_layers_are_refused_offline(cells, tmp_path):
    mb = MapBuilder("Tiles", "2022", tiles="OpenStreetMap").add_gistar(cells)
    with pytest.raises(WorkbenchError, match="tile layer"):
        save_map(mb, tmp_path / "t.html", offline=True)
    assert save_map(mb, tmp_path / "t.html", offline=False).is_file()


def test_unknown_external_script_is_an_error():
    m = folium.Map(tiles=None)
    m.get_root().header.add_child(folium.JavascriptLink("https://example.org/d3.js"))
    with pytest.raises(WorkbenchError, match="https://example.org/d3.js"):
        make_offline(m.get_root().render())


def test_layer_names_must_be_unique(cells):
    mb = MapBuilder("T", "2022").add_gistar(cells)
    with pytest.raises(WorkbenchError, match="already used"):
        mb.add_gistar(cells)


def test_os_attribution_states_the_given_year_or_none():
    assert "Crown copyright and database right 2014." in os_attribution(2014)
    unknown = os_attribution(None)
    # no invented year (it used to default to the current year)
    assert "Contains OS data © Crown copyright and database right." in unknown
    assert not re.search(r"\d", unknown.replace("v3.0", ""))
    assert MapBuilder("T", "2022").attributions[1] == unknown


def test_empty_builder_is_an_error(tmp_path):
    with pytest.raises(WorkbenchError, match="at least one layer"):
        save_map(MapBuilder("T", "2022"), tmp_path / "x.html")


def test_compact_geojson_keeps_the_data_and_its_escaping():
    data = {"type": "FeatureCollection", "features": [{"a": "<b>&'", "n": [1.5, -2]}]}
    line = "    geo_json_0a1b_add(" + json.dumps(data).replace("<", "\\u003c") + ");"
    out = compact_geojson("x\n" + line + "\ny")
    body = out.split("geo_json_0a1b_add(")[1].split(");")[0]
    assert json.loads(body) == data
    assert ", " not in body and ": " not in body
    assert "<" not in body and "&" not in body and "'" not in body
    assert out.startswith("x\n") and out.endswith(");\ny")


def test_notebook_display_is_an_offline_iframe(cells):
    out = MapBuilder("T", "2022").add_gistar(cells)._repr_html_()
    assert out.startswith('<iframe srcdoc="') and 'sandbox="allow-scripts"' in out
    assert "cdn.jsdelivr" not in out


def test_short_attribution_follows_the_attributions():
    assert MapBuilder("T", "2022").short_attribution() == "OGL v3.0 | © Crown copyright (OS)"
    assert MapBuilder("T", "2022", attributions=[]).short_attribution() == ""
    only_ogl = MapBuilder("T", "2022", attributions=["Open Government Licence v3.0"])
    assert only_ogl.short_attribution() == "OGL v3.0"


def test_duplicate_index_keeps_popups_with_their_features(lsoas, tmp_path):
    twice = lsoas.set_index(lsoas.index * 0)  # every row labelled 0
    html = save_map(MapBuilder("T", "2022").add_imd(twice), tmp_path / "d.html").read_text()
    data = re.search(r"geo_json_[0-9a-f]+_add\((\{.*\})\);", html).group(1)
    features = json.loads(data)["features"]
    names = [f["properties"]["f0"] for f in features]
    assert names[0] == "Leicester 001A" and names[2] == "Leicester 001C"


def test_saved_rate_map_carries_no_rate_or_count_for_small_counts(lsoas, tmp_path):
    # counts [12, 3, 0, 40]: the area with 3 (rate 16.666667, 95% CI 3.4 to 48.7) must show
    # neither its count nor its rate nor its limits, and is drawn in the suppressed grey.
    from workbench.maps.layers import SUPPRESSED_COLOR

    mb = MapBuilder("Rates", "2022").add_rates(lsoas)
    html = save_map(mb, tmp_path / "rates.html").read_text(encoding="utf-8")
    data = re.search(r"geo_json_[0-9a-f]+_add\((\{.*\})\);", html).group(1)
    features = json.loads(data)["features"]
    assert len(features) == 4
    small = [f for f in features if f["properties"]["f0"].startswith("&lt;script")]
    assert len(small) == 1
    props = small[0]["properties"]
    texts = " ".join(str(v) for k, v in props.items() if k != "f0")
    assert texts == "* (fewer than 5) of 1,800 residents; rate not shown"
    for leaked in ("16.7", "16.6", "3.4", "48.7"):
        assert leaked not in json.dumps(props), leaked
    # The other areas keep their rates.
    assert any("78.9 per 10,000" in f["properties"]["f1"] for f in features)
    # The suppressed fill and its legend item are on the page.
    assert SUPPRESSED_COLOR in html
    assert "Fewer than 5 events (not shown)" in html
    # Opting out restores the rate's class colour (and no suppressed legend item).
    html = save_map(
        MapBuilder("Rates", "2022").add_rates(lsoas, suppress_small=False),
        tmp_path / "opt_out.html",
    ).read_text(encoding="utf-8")
    assert "Fewer than 5 events (not shown)" not in html and SUPPRESSED_COLOR not in html
