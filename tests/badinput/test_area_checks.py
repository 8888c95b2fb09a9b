"""The checks of what national tables claim, on tiny hand-made tables (no study loaded)."""

import pandas as pd
import pytest

from workbench.errors import ConfigError, DataError
from workbench.loaders.areas import (
    check_long_names,
    check_regions,
    check_same_years,
    check_study_in_tables,
    check_table_area_name,
    check_years,
)

LOOKUP = pd.DataFrame(
    {
        "area_code": ["E06000016", "E06000018", "E09000003", "E06000023"],
        "area_name": ["Leicester", "Nottingham", "Barnet", "Bristol, City of"],
    }
)


def test_years_gap_name_claim_and_form():
    assert check_years(pd.Series(["2010", "2009"]), "t.csv", "year") == [2009, 2010]
    with pytest.raises(DataError, match=r"every year from 2009 to 2012.*no row for 2010, 2011"):
        check_years(pd.Series(["2009", "2012"]), "t.csv", "year")
    # the name says 2009 to 2018; the rows stop at 2012 (a truncated file)
    with pytest.raises(DataError, match=r"2009 to 2018 its name gives.*no row for 2013, 2014"):
        check_years(pd.Series([str(y) for y in range(2009, 2013)]), "d_2009_2018.csv", "year")
    # editions (IMD averages): only the named first and last years are required
    assert check_years(pd.Series(["2015", "2019"]), "imd_2015_2019.csv", "y", annual=False)
    with pytest.raises(DataError, match="no row for 2019"):
        check_years(pd.Series(["2015"]), "imd_2015_2019.csv", "y", annual=False)
    with pytest.raises(DataError, match="row 2, column 'year'.*'2018/19'"):
        check_years(pd.Series(["2017", "2018/19"]), "t.csv", "year")
    fy = pd.Series(["2017-18", "2018-19", "2018-19"])
    assert check_years(fy, "s_2017_18_to_2018_19.csv", "fy", financial=True) == [2017, 2018]
    with pytest.raises(DataError, match="'2018-20'"):
        check_years(pd.Series(["2018-20"]), "s.csv", "fy", financial=True)


def test_tables_published_together_hold_the_same_years():
    check_same_years({"a": ("a.csv", ["2009", "2010"]), "b": ("b.csv", ["2010", "2009"])}, "x")
    with pytest.raises(DataError, match=r"b\.csv.*same years as the other deaths.*no row for 2010"):
        check_same_years({"a": ("a.csv", ["2009", "2010"]), "b": ("b.csv", ["2009"])}, "deaths")


def test_table_area_name_must_be_the_study():
    names = ["Leicester", "Nottingham", "Leicestershire and Rutland"]
    check_table_area_name("s", "Leicester", ["E06000016"], LOOKUP, names)
    with pytest.raises(ConfigError, match="'Nottingham' is E06000018.*not the study's E06000016"):
        check_table_area_name("s", "Nottingham", ["E06000016"], LOOKUP, names)
    with pytest.raises(ConfigError, match="not an area of the national tables"):
        check_table_area_name("s", "Narnia", ["E06000016"], LOOKUP, names)
    with pytest.raises(ConfigError, match="not the study's area.*'Leicester'"):
        check_table_area_name("s", "Leicestershire and Rutland", ["E06000016"], LOOKUP, names)


def test_study_has_one_name_in_every_table():
    m = pd.DataFrame(
        {
            "table": ["a", "a", "b", "b"],
            "area_name": ["Leicester", "Nottingham", "leicester", "Nottingham"],
            "area_code": ["E06000016", "E06000018", "E06000016", "E06000018"],
            "match": "x",
        }
    )
    with pytest.raises(DataError, match=r"b\.csv.*named 'Leicester'.*found 'leicester'"):
        check_study_in_tables(m, ["E06000016"], {"a": "a.csv", "b": "b.csv"})
    check_study_in_tables(m.iloc[:2], ["E06000016"], {})
    with pytest.raises(DataError, match="found none"):
        check_study_in_tables(m.drop(index=2), ["E06000016"], {"b": "b.csv"})


def test_fingertips_names_against_codes():
    long = pd.DataFrame(
        {"area_code": ["E06000023", "E06000018"], "area_name": ["Bristol", "Nottingham"]}
    )
    check_long_names(long, "f.csv", LOOKUP, ["E06000016"], ["Leicester"])
    long.loc[1, "area_name"] = "Leicester"  # the study's name under Nottingham's code
    with pytest.raises(DataError, match=r"row 2.*E06000018 \('Nottingham'\), found 'Leicester'"):
        check_long_names(long, "f.csv", LOOKUP, ["E06000016"], ["Leicester"])
    # a code the list does not know (a county) under the study's name: still refused
    long.loc[1, "area_code"] = "E10000018"
    with pytest.raises(DataError, match="study's name only under the study's codes"):
        check_long_names(long, "f.csv", LOOKUP, ["E06000016"], ["Leicester"])


def test_regions_against_codes_and_published_totals():
    regions = pd.DataFrame(
        {
            "area_name": ["Leicester", "Nottingham", "Barnet"],
            "region": ["East Midlands", "East Midlands", "London"],
            "region_match": "x",
        }
    )
    pop = pd.DataFrame(
        {
            "period": "2019",
            "area_name": ["Leicester", "Nottingham", "Barnet"],
            "value": [350.0, 330.0, 400.0],
        }
    )
    reg = pd.DataFrame(
        {"period": "2019", "area_name": ["East Midlands", "London"], "value": [680.0, 400.0]}
    )
    check_regions(regions, "s", lookup=LOOKUP, population=pop, region_population=reg)
    moved = regions.assign(region=["London", "East Midlands", "London"])
    with pytest.raises(ConfigError, match="'Leicester' \\(E06000016\\) is listed under 'London'"):
        check_regions(moved, "s", lookup=LOOKUP)
    # without the code rule (no lookup), the published totals catch it: 330 against 680
    with pytest.raises(ConfigError, match="'East Midlands' add up to 330 .* gives 680"):
        check_regions(moved, "s", population=pop, region_population=reg)
