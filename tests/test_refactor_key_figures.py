"""Key figures of the sample report before and after the issue-20 refactor (result objects,
one coverage type, one month parser, thin notebooks).

The expected values were written by the code *before* the refactor (``workbench report
data/sample/area.toml``, run of 2026-12-07: ``overview/key_crime_figures.csv``,
``overview/most_deprived_share.csv``, ``supply/top_lsoas.csv``); the counts are police.uk's
published records for Leicester, so they also check the loaders. The figures are recomputed
here through the functions the notebooks now call (``stats.key_figures``,
``deprivation.layer_table``, ``hotspots.lsoa_zones`` / ``top_zones``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import deprivation, hotspots, stats
from workbench.study import Study

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
CRIME_TYPES = ["Drugs", "Possession of weapons", "Anti-social behaviour"]


@pytest.fixture(scope="module")
def study():
    return Study.from_toml(SAMPLE / "area.toml", engine="memory")


def test_key_crime_figures_unchanged(study):
    crimes = study.crimes
    yearly = stats.compare_periods(
        crimes[crimes["crime_type"].isin(CRIME_TYPES)],
        freq="year",
        by="crime_type",
        observed=study.coverage.observed,
        population=int(study.lsoas["population"].sum()),
        per=study.config.per,
    )
    got = stats.key_figures(yearly).frame.set_index("crime_type")
    expected = {  # crime type: count, previous count, pct change, rate, lower, upper
        "Anti-social behaviour": (4672, 4923, -5.1, 131.89, 128.14, 135.73),
        "Drugs": (1846, 1913, -3.5, 52.11, 49.76, 54.55),
        "Possession of weapons": (571, 460, 24.13, 16.12, 14.82, 17.5),
    }
    assert list(got.columns) == list(stats.KEY_FIGURE_COLUMNS[1:])
    for crime_type, (n, prev, pct, r, lo, hi) in expected.items():
        row = got.loc[crime_type]
        assert (row["period"], row["previous_period"]) == (
            "2021-11 to 2022-10",
            "2020-11 to 2021-10",
        )
        assert (int(row["count"]), int(row["previous_count"])) == (n, prev)
        assert [row["pct_change"], row["rate"], row["lower"], row["upper"]] == [pct, r, lo, hi]


def test_most_deprived_share_and_top_places_unchanged(study):
    crimes = study.crimes
    last = crimes["month"].max()
    latest = crimes[crimes["month"] > last - 12]
    drugs = {"Drugs": latest[latest["crime_type"] == "Drugs"]}
    shares = deprivation.layer_table(drugs, study.lsoas, label="crime_type").frame
    assert shares[["count", "total_count"]].to_numpy().tolist() == [
        [403, 1846],
        [713, 1846],
        [1243, 1846],
    ]
    assert shares["share_of_events"].tolist() == [0.218, 0.386, 0.673]
    counts = deprivation.count_by_lsoa(drugs["Drugs"], hotspots.lsoa_zones(study.lsoas))
    top = hotspots.top_zones(counts, n=3, per=study.config.per).frame
    assert top["lsoa_code"].tolist() == ["E01032867", "E01013689", "E01032873"]
    assert top["count"].tolist() == [172, 84, 75]
    assert top["rate"].tolist() == [400.8, 384.3, 323.0]
