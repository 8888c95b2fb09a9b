"""Analysis results carry their own disclosure description (issue 12, deliverable 1).

Each analysis function returns a :class:`workbench.disclosure.Described`; the tests show
that a column renamed through it stays protected, that a column renamed behind its back can
never be published unsuppressed, and that every function's description covers every
numeric column of its frame.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from workbench.config import load_config
from workbench.disclosure import Count, Derived, Described, TableSpec
from workbench.errors import WorkbenchError

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "area.toml"

#: A waiting-times template, worked by hand below: S01 74 started, 72 within target (2 not
#: seen in time: a count of 1-4, so within_target is hidden); S02 3 started (hidden, with
#: its 3 within target); S03 55 and 44 (shown).
WAITS = pd.DataFrame(
    {
        "financial_year": ["2021-22"] * 3,
        "quarter": ["Q1"] * 3,
        "service_id": ["S01", "S02", "S03"],
        "modality": ["community"] * 3,
        "cohort": ["adult"] * 3,
        "started": [74, 3, 55],
        "within_target": [72, 3, 44],
    }
)


def _outputs(tmp_path: Path):
    from workbench.outputs import Outputs

    cfg = load_config(SAMPLE)
    return Outputs("treatment", config=cfg, out_dir=tmp_path, run_date="2024-03-31")


def test_renamed_through_described_is_still_suppressed(tmp_path):
    from workbench.need import waiting_times

    result = waiting_times(WAITS, "service_id")
    renamed = result.rename({"within_target": "seen_in_time", "started": "people"}).select(
        ["service_id", "people", "seen_in_time", "share"]
    )
    assert renamed.spec.counts["seen_in_time"].part_of == "people"
    assert renamed.spec.derived["share"].counts == ("seen_in_time", "people")
    out = _outputs(tmp_path)
    out.table("waits_renamed", renamed)
    csv = pd.read_csv(out.dir / "waits_renamed.csv", dtype=str).set_index("service_id")
    # S01: 74 - 72 = 2 not seen in time: the part is hidden, and the share with it
    assert float(csv.loc["S01", "people"]) == 74
    assert csv.loc["S01", "seen_in_time"] == "*" and csv.loc["S01", "share"] == "*"
    # S02: 3 started and 3 within target are 1-4: both hidden, and the share
    assert csv.loc["S02", "people"] == "*" and csv.loc["S02", "seen_in_time"] == "*"
    assert csv.loc["S02", "share"] == "*"
    # S03: 55 and 44 shown, share 44 / 55 = 0.8
    assert float(csv.loc["S03", "seen_in_time"]) == 44
    assert float(csv.loc["S03", "share"]) == pytest.approx(0.8)
    out.abort()


def test_renamed_behind_the_description_is_refused(tmp_path):
    from workbench.need import waiting_times

    result = waiting_times(WAITS, "service_id")
    # a new Described from a renamed frame: its description names a column it lacks
    with pytest.raises(WorkbenchError, match=r"names column\(s\) \['within_target'\]"):
        Described(result.frame.rename(columns={"within_target": "seen_in_time"}), result.spec)
    out = _outputs(tmp_path)
    # a bare frame is refused, whatever its columns
    with pytest.raises(WorkbenchError, match=r"Outputs.table\('waits'\).*bare DataFrame"):
        out.table("waits", result.frame.rename(columns={"within_target": "seen_in_time"}))
    # the frame renamed in place after the result was made: refused at export
    result.frame.columns = [
        "seen_in_time" if c == "within_target" else c for c in result.frame.columns
    ]
    with pytest.raises(WorkbenchError, match="within_target"):
        out.table("waits", result)
    with pytest.raises(WorkbenchError, match="expected an analysis result"):
        out.masked("waits", result.frame)
    assert not list(out.dir.glob("*.csv"))  # nothing was written
    out.abort()


def test_described_methods_keep_frame_and_spec_in_step():
    frame = pd.DataFrame(
        {"ward": ["a", "b"], "n": [3, 12], "population": [900, 1100], "rate": [33.3, 109.1]}
    ).set_index("ward")
    spec = TableSpec(
        dims=("ward",),
        counts={"n": Count()},
        derived={"rate": Derived(("n",), "rate", "population", 10_000)},
        safe=("population",),
    )
    r = Described(frame, spec)
    assert len(r) == 2 and "<table" in r._repr_html_()
    flat = r.reset_index()
    assert list(flat.frame.columns[:1]) == ["ward"] and flat.spec.dims == ("ward",)
    renamed = r.rename({"ward": "area", "n": "people"})
    assert renamed.frame.index.name == "area" and renamed.spec.dims == ("area",)
    assert renamed.spec.derived["rate"].counts == ("people",)
    with pytest.raises(WorkbenchError, match="without the count"):
        r.select(["rate"])
    with pytest.raises(WorkbenchError, match="without the count"):
        r.drop(["n"])
    assert list(r.rows(r.frame["n"] > 5).frame.index) == ["b"]
    assert r.head(1).spec.incomplete == ("ward",)
    assert r.round(0).frame["rate"].tolist() == [33.0, 109.0]


# -- every analysis function describes every numeric column it returns ----------------
@pytest.fixture(scope="module")
def study():
    from workbench.study import Study

    st = Study.from_toml(SAMPLE)
    st.load_all()
    return st


def _drugs(st):
    return st.crimes[st.crimes["crime_type"] == "Drugs"]


def _latest(st):
    crimes = _drugs(st)
    return crimes[crimes["month"] > crimes["month"].max() - 12]


def _trend_cells(st):
    from workbench import hotspots

    cells = hotspots.grid(st.area, cell_size=1000)
    return hotspots.emerging(
        _drugs(st), period="quarter", zones=cells, observed=st.coverage.observed
    )


def _compare_periods(st):
    from workbench import stats

    return stats.compare_periods(
        st.crimes[st.crimes["crime_type"].isin(["Drugs", "Robbery"])],
        freq="year",
        by="crime_type",
        observed=st.coverage.observed,
        population=int(st.lsoas["population"].sum()),
    )


def _quarters(st):
    from workbench import stats

    return stats.compare_periods(_drugs(st), freq="quarter", observed=st.coverage.observed)


def _seasonality(st):
    from workbench import stats

    return stats.seasonality(_drugs(st), by="crime_type", observed=st.coverage.observed)


def _monthly_table(st):
    from workbench import stats

    return stats.monthly_table(stats.monthly_counts(_drugs(st), observed=st.coverage.observed))


def _emerging_summary(st):
    from workbench import hotspots

    return hotspots.emerging_summary(_trend_cells(st))


def _hotspot_lsoas(st):
    from workbench import deprivation

    return deprivation.hotspot_lsoas(_trend_cells(st), st.lsoas)


def _compare_methods(st):
    from workbench import hotspots

    drugs = _drugs(st)
    last = drugs["month"].max()
    fit = drugs[(drugs["month"] > last - 24) & (drugs["month"] <= last - 12)]
    return hotspots.compare_methods(fit, _latest(st), st.area, cell_size=1000)


def _top_zones(st):
    from workbench import deprivation, hotspots

    cols = ["lsoa_code", "lsoa_name", "population", "imd_decile", "geometry"]
    return hotspots.top_zones(deprivation.count_by_lsoa(_latest(st), st.lsoas[cols]), n=10)


def _rank_areas(st):
    from workbench import hotspots

    return hotspots.rank_areas(_latest(st), st.wards, st.lsoas)


def _by_layer(kind):
    def make(st):
        from workbench import deprivation

        layers = {"Drugs": _latest(st), "Needle finds": st.needle_finds}
        return deprivation.by_layer(
            layers, st.lsoas, kind, count_in=st.lsoas, partnership=["Needle finds"]
        )

    return make


def _key_figures_by_district(st):
    from workbench import districts

    return districts.key_figures_by_district(st, ["Drugs"])


def _unmet_need(st):
    from workbench import need

    return need.unmet_need(st.prevalence, st.treatment_demographics)


def _waiting_times(by):
    def make(st):
        from workbench import need

        return need.waiting_times(st.waiting_times, by=by, standard=0.9)

    return make


def _young_people(by):
    def make(st):
        from workbench import need

        return need.young_people_access(st.young_people, by=by)

    return make


def _representation(st):
    from workbench import need

    bands = need.population_by_treatment_band(st.lsoas, by="sex")
    return need.representation(st.treatment_demographics, bands, "sex")


def _collection_times(st):
    from workbench import need

    return need.collection_times(st.needle_finds, 24)


def _reach(part):
    def make(st):
        from workbench import need

        return getattr(need.deprivation_reach(st.treatment_by_lsoa, st.lsoas), part)

    return make


def _beyond(st):
    from workbench import need

    return need.service_access(st.services, st.lsoas).beyond


def _capacity_table(st):
    from workbench import need

    return need.capacity_table(st.services)


def _catalogue_table(st):
    from workbench import indicators

    return indicators.catalogue_table()


_INDICATORS: dict = {}


def _indicators(st):
    from workbench import indicators

    if "ind" not in _INDICATORS:  # loaded once for the module
        ind = indicators.study_indicators(st)
        _INDICATORS["ind"] = ind
        _INDICATORS["assessment"] = indicators.strategic_assessment(
            st, comparison=ind.comparison, treatment=ind.treatment
        )
    return _INDICATORS["ind"], _INDICATORS["assessment"]


def _indicator_part(part):
    def make(st):
        return _indicators(st)[0].described(part)

    return make


def _assessment_part(part):
    def make(st):
        return _indicators(st)[1].described(part)

    return make


FUNCTIONS: dict[str, Callable] = {
    "stats.compare_periods (year, rates)": _compare_periods,
    "stats.compare_periods (quarter)": _quarters,
    "stats.seasonality": _seasonality,
    "stats.monthly_table": _monthly_table,
    "hotspots.emerging_summary": _emerging_summary,
    "deprivation.hotspot_lsoas": _hotspot_lsoas,
    "hotspots.compare_methods": _compare_methods,
    "hotspots.top_zones": _top_zones,
    "hotspots.rank_areas": _rank_areas,
    "deprivation.by_layer (shares)": _by_layer("most_deprived_share"),
    "deprivation.by_layer (deciles)": _by_layer("decile_profile"),
    "districts.key_figures_by_district": _key_figures_by_district,
    "need.unmet_need": _unmet_need,
    "need.waiting_times ()": _waiting_times([]),
    "need.waiting_times (service_id)": _waiting_times("service_id"),
    "need.young_people_access (ward)": _young_people("ward"),
    "need.young_people_access (group)": _young_people("group"),
    "need.young_people_access (ward, group)": _young_people(["ward", "group"]),
    "need.representation": _representation,
    "need.collection_times": _collection_times,
    "need.deprivation_reach.shares": _reach("shares"),
    "need.deprivation_reach.by_decile": _reach("by_decile"),
    "need.service_access.beyond": _beyond,
    "need.capacity_table": _capacity_table,
    "indicators.catalogue_table": _catalogue_table,
    # indicators.search_disparity: the sample has no stop and search files; its result is
    # published as a Described in tests/indicators/test_stop_search.py
    **{f"StudyIndicators.described({p})": _indicator_part(p) for p in ("matches", "comparison")},
    **{f"StudyIndicators.described({p})": _indicator_part(p) for p in ("similar", "treatment")},
    "StudyIndicators.described(outcomes)": _indicator_part("outcomes"),
    **{f"Assessment.described({p})": _assessment_part(p) for p in ("six_months", "hot_spots")},
    "Assessment.described(priorities)": _assessment_part("priorities"),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_every_analysis_result_describes_every_numeric_column(study, name):
    result = FUNCTIONS[name](study)
    assert isinstance(result, Described), f"{name} returned {type(result).__name__}"
    flat = result.reset_index() if not isinstance(result.frame.index, pd.RangeIndex) else result
    numeric = [
        str(c)
        for c in flat.frame.columns
        if pd.api.types.is_numeric_dtype(flat.frame[c].dtype)
        and not pd.api.types.is_bool_dtype(flat.frame[c].dtype)
    ]
    loose = [c for c in numeric if c not in flat.spec.described]
    assert not loose, f"{name}: numeric column(s) {loose} not described"
    assert len(flat.frame), f"{name}: empty on the sample"


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        ("need.waiting_times (service_id)", {"started", "within_target"}),
        ("need.young_people_access (ward)", {"cohort", "tier2_reached", "tier3_referred"}),
        ("need.collection_times", {"finds", "within_target"}),
        ("hotspots.top_zones", {"count"}),
        ("deprivation.by_layer (shares)", {"count", "total_count"}),
    ],
)
def test_counts_of_people_and_events_are_counts(study, name, counts):
    """The columns that count people or events are described as counts (not safe)."""
    result = FUNCTIONS[name](study)
    assert counts <= set(result.spec.counts)
    assert not counts & set(result.spec.safe)


def test_partnership_layer_protects_the_whole_table(study):
    shares = _by_layer("most_deprived_share")(study)
    assert shares.spec.source == "partnership"
    police_only = _compare_periods(study)
    assert police_only.spec.source == "open"


def test_masked_withholds_what_the_published_table_withholds(tmp_path):
    from workbench.need import young_people_access

    yp = pd.DataFrame(
        {
            "financial_year": ["2021-22"] * 2,
            "ward_code": ["W1", "W2"],
            "ward_name": ["One", "Two"],
            "group": ["LAC", "LAC"],
            "cohort": [11, 20],
            "tier2_reached": [3, 12],
            "tier3_referred": [6, 10],
            "tier3_within_10_days": [6, 8],
            "population_10_17": [1000, 2000],
        }
    )
    by_ward = young_people_access(yp, "ward")
    out = _outputs(tmp_path)
    out.table("access_by_ward", by_ward.select(["ward_code", "cohort", "tier2_reached"]))
    shown = out.masked("access_by_ward", by_ward).set_index("ward_code")
    # W1: 3 reached of 11 (a count of 1-4): withheld with its share 3 / 11 = 0.2727
    assert pd.isna(shown.loc["W1", "tier2_reached"]) and pd.isna(shown.loc["W1", "tier2_share"])
    assert shown.loc["W1", "cohort"] == 11
    # W2: 12 of 20 shown, share 0.6; 8 of 10 within 10 days (2 not: a complement of 1-4)
    assert shown.loc["W2", "tier2_share"] == pytest.approx(0.6)
    assert pd.isna(shown.loc["W2", "tier3_within_10_days"])
    assert pd.isna(shown.loc["W2", "tier3_10d_share"])
    out.abort()
