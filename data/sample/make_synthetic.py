"""Make the SYNTHETIC partnership tables of the Leicester sample study.

SYNTHETIC DATA - NOT REAL LEICESTER DATA. Every number these tables hold is invented by this
script with a fixed random seed. They are laid out exactly as the partnership templates of
``docs/templates.md`` so that the workbench can be run end to end on the sample study, and they
are shaped to look realistic (scale and pattern) for a city of about 350,000 people, but they
must never be quoted as facts about Leicester, its services or its residents.

Run from the repository root::

    .venv/bin/python data/sample/make_synthetic.py

It writes ``data/sample/synthetic/synthetic_<table>.csv`` for the eight templates
(treatment_demographics, treatment_by_lsoa, prevalence, services, waiting_times, needle_finds,
young_people, treatment_outcomes). ``treatment_outcomes`` draws from its own generator
(``default_rng([SEED, 8])``) so that adding it left the other seven files byte-identical.
The output is deterministic: the same seed gives byte-identical files.

Every file starts with one comment line beginning ``# SYNTHETIC`` and then the template's
header row; readers skip leading lines that start with ``#``.

Real open data used only to place and shape the invented figures (see ``SOURCES.md``):

- LSOA 2011 boundaries of Leicester (192 LSOAs) and 2013 wards (22 wards);
- English Indices of Deprivation 2019 (national IMD decile of each LSOA);
- ONS mid-2019 LSOA population and IoD2019 File 6 mid-2015 population denominators;
- police.uk street crime 2019-12..2022-10, rows of crime type "Drugs" in Leicester LSOAs.

How each table is made is described in ``docs/notes/need_synthetic.md`` (the README section).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = HERE / "synthetic"
SEED = 20221031
LAD = "E06000016"
BNG = "EPSG:27700"
WGS84 = "EPSG:4326"
BANNER = (
    "# SYNTHETIC data made by data/sample/make_synthetic.py (seed {seed}) - "
    "NOT real Leicester data; never quote as fact. Template: docs/templates.md ({table})."
)

YEARS = ["2019-20", "2020-21", "2021-22"]
#: Overall size of the treatment population in each year relative to 2021-22.
YEAR_SCALE = {"2019-20": 0.95, "2020-21": 0.96, "2021-22": 1.0}

GROUPS = ["opiate", "crack", "opiate_and_crack", "non_opiate", "alcohol"]
#: Adults (18+, all ages) in treatment in 2021-22 by substance group (before Poisson noise).
#: Opiate and/or crack users = 400 + 120 + 760 = 1,280, about 55% of the 2,320 OCU estimate.
GROUP_TOTAL = {
    "opiate": 400,
    "crack": 120,
    "opiate_and_crack": 760,
    "non_opiate": 360,
    "alcohol": 930,
}
SEXES = ["Female", "Male"]
MALE_SHARE = {
    "opiate": 0.74,
    "crack": 0.70,
    "opiate_and_crack": 0.76,
    "non_opiate": 0.68,
    "alcohol": 0.62,
}
AGE_BANDS = ["18-24", "25-29", "30-34", "35-39", "40-49", "50-64", "65+"]
AGE_SHARE = {
    "opiate": [0.02, 0.05, 0.11, 0.18, 0.38, 0.24, 0.02],
    "crack": [0.07, 0.11, 0.17, 0.20, 0.30, 0.14, 0.01],
    "opiate_and_crack": [0.02, 0.06, 0.13, 0.20, 0.38, 0.20, 0.01],
    "non_opiate": [0.26, 0.22, 0.18, 0.13, 0.13, 0.07, 0.01],
    "alcohol": [0.03, 0.06, 0.09, 0.12, 0.28, 0.36, 0.06],
}
ETHNICITIES = ["White", "Mixed", "Asian", "Black", "Other", "Not stated"]
#: Ethnic mix of people in treatment: Asian residents (43.4% of Leicester, Census 2021) are
#: deliberately under-represented so that the representation analysis has something to find.
ETHNIC_SHARE = {
    "default": [0.69, 0.05, 0.16, 0.05, 0.02, 0.03],
    "alcohol": [0.73, 0.03, 0.15, 0.04, 0.02, 0.03],
    "non_opiate": [0.58, 0.08, 0.20, 0.09, 0.02, 0.03],
}

#: OHID-style prevalence estimates (invented): (year, group, age band, estimate, lower, upper).
PREVALENCE = [
    ("2019-20", "opiate_and_or_crack", "15-64", 2320, 2090, 2570),
    ("2019-20", "opiate", "15-64", 1960, 1770, 2180),
    ("2019-20", "crack", "15-64", 1780, 1590, 1990),
    ("2016-17", "opiate_and_or_crack", "15-64", 2210, 1980, 2460),
    ("2016-17", "opiate", "15-64", 1900, 1700, 2120),
    ("2016-17", "crack", "15-64", 1620, 1440, 1830),
    ("2018-19", "alcohol", "18+", 4650, 4080, 5390),
]


def _banner(table: str) -> str:
    return BANNER.format(seed=SEED, table=table)


def write_table(df: pd.DataFrame, table: str) -> Path:
    """Write one table with its SYNTHETIC banner line and the template header."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"synthetic_{table}.csv"
    buf = io.StringIO()
    buf.write(_banner(table) + "\n")
    df.to_csv(buf, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    path.write_text(buf.getvalue(), encoding="utf-8")
    print(f"{path.relative_to(HERE.parent.parent)}: {len(df)} rows")
    return path


# --------------------------------------------------------------------------------------------
# Real inputs
# --------------------------------------------------------------------------------------------


def load_lsoas() -> gpd.GeoDataFrame:
    """Leicester LSOAs (BNG) with IMD decile and mid-2019 population, sorted by code."""
    lsoas = gpd.read_file(HERE / "boundaries" / "lsoa2011_E06000016_leicester.geojson")
    lsoas = lsoas.rename(columns={"LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name"})
    lsoas["geometry"] = lsoas.geometry.make_valid()
    lsoas = lsoas.to_crs(BNG).sort_values("lsoa_code").reset_index(drop=True)
    imd = pd.read_csv(HERE / "imd" / "imd2019_file2_domains_ranks_deciles_leicester.csv")
    imd = imd.iloc[:, [0, 5]].set_axis(["lsoa_code", "imd_decile"], axis=1)
    pop = pd.read_csv(HERE / "population" / "lsoa_pop_mid2019_total_leicester.csv", thousands=",")
    pop = pop.set_axis(["lsoa_code", "population"], axis=1)
    f6 = pd.read_csv(
        HERE / "population" / "iod2019_file6_population_denominators_mid2015_leicester.csv",
        thousands=",",
    )
    f6 = f6.iloc[:, [0, 5, 6]].set_axis(["lsoa_code", "age_0_15", "age_16_59"], axis=1)
    lsoas = lsoas.merge(imd, on="lsoa_code", how="left").merge(pop, on="lsoa_code", how="left")
    lsoas = lsoas.merge(f6, on="lsoa_code", how="left")
    assert len(lsoas) == 192 and lsoas[["imd_decile", "population"]].notna().all().all()
    # A point guaranteed inside each polygon (centroids of odd shapes can fall outside).
    lsoas["point"] = lsoas.geometry.representative_point()
    return lsoas


def load_wards(lsoas: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Leicester wards (BNG), and the ward code of each LSOA (its inner point's ward)."""
    wards = gpd.read_file(HERE / "boundaries" / "wards2013_E06000016_leicester.geojson")
    wards = wards.rename(columns={"WD13CD": "ward_code", "WD13NM": "ward_name"})
    wards = wards[["ward_code", "ward_name", "geometry"]].to_crs(BNG)
    wards["geometry"] = wards.geometry.make_valid()
    wards = wards.sort_values("ward_code").reset_index(drop=True)
    pts = gpd.GeoDataFrame({"lsoa_code": lsoas["lsoa_code"]}, geometry=lsoas["point"], crs=BNG)
    joined = gpd.sjoin_nearest(pts, wards[["ward_code", "geometry"]], how="left")
    joined = joined.drop_duplicates("lsoa_code").set_index("lsoa_code")["ward_code"]
    return wards, joined.reindex(lsoas["lsoa_code"])


def load_drug_crimes(codes: set[str]) -> pd.DataFrame:
    """police.uk "Drugs" rows in Leicester LSOAs, all 35 months, in file order."""
    path = HERE / "police" / "leicestershire-street-2019-12_2022-10.zip"
    cols = ["Month", "Longitude", "Latitude", "Location", "LSOA code", "Crime type"]
    frames = []
    with zipfile.ZipFile(path) as zf:
        for name in sorted(zf.namelist()):
            with zf.open(name) as fh:
                df = pd.read_csv(fh, usecols=cols)
            frames.append(df[(df["Crime type"] == "Drugs") & df["LSOA code"].isin(codes)])
    crimes = pd.concat(frames, ignore_index=True).dropna(subset=["Longitude", "Latitude"])
    return crimes.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def make_treatment_demographics(rng: np.random.Generator) -> pd.DataFrame:
    """Poisson counts around total x sex share x age share x ethnic share, per year."""
    rows = []
    for year in YEARS:
        for group in GROUPS:
            total = GROUP_TOTAL[group] * YEAR_SCALE[year]
            eth = ETHNIC_SHARE.get(group, ETHNIC_SHARE["default"])
            for sex in SEXES:
                s = MALE_SHARE[group] if sex == "Male" else 1 - MALE_SHARE[group]
                for band, a in zip(AGE_BANDS, AGE_SHARE[group], strict=True):
                    for ethnicity, e in zip(ETHNICITIES, eth, strict=True):
                        mean = total * s * a * e
                        rows.append((year, group, sex, band, ethnicity, int(rng.poisson(mean))))
    return pd.DataFrame(
        rows,
        columns=[
            "financial_year",
            "substance_group",
            "sex",
            "age_band",
            "ethnicity",
            "in_treatment",
        ],
    )


def make_treatment_by_lsoa(
    rng: np.random.Generator, lsoas: gpd.GeoDataFrame, demo: pd.DataFrame
) -> pd.DataFrame:
    """Allocate each year's and group's total (from treatment_demographics) to LSOAs.

    Multinomial allocation with weights population x relative rate, where the relative rate
    falls with the national IMD decile: exp(-0.2 (decile - 1)) (decile 1 = 1, decile 10 = 0.17),
    times a lognormal LSOA effect (sigma 0.25). Totals agree exactly with the demographics table.
    """
    totals = demo.groupby(["financial_year", "substance_group"])["in_treatment"].sum()
    lsoa_effect = rng.lognormal(0.0, 0.25, len(lsoas))
    weight = lsoas["population"].to_numpy() * np.exp(-0.2 * (lsoas["imd_decile"] - 1)).to_numpy()
    weight = weight * lsoa_effect
    p = weight / weight.sum()
    frames = []
    for year in YEARS:
        for group in GROUPS:
            counts = rng.multinomial(int(totals[(year, group)]), p)
            frames.append(
                pd.DataFrame(
                    {
                        "financial_year": year,
                        "lsoa_code": lsoas["lsoa_code"],
                        "substance_group": group,
                        "in_treatment": counts,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def make_prevalence() -> pd.DataFrame:
    """Invented OHID-style estimates (no randomness): OCU ~2,300 (15-64), alcohol ~4,650 (18+)."""
    return pd.DataFrame(
        [(y, LAD, "Leicester", g, a, e, lo, hi) for y, g, a, e, lo, hi in PREVALENCE],
        columns=[
            "year",
            "area_code",
            "area_name",
            "substance_group",
            "age_band",
            "estimate",
            "lower_95",
            "upper_95",
        ],
    )


#: (service_id, name, service_type, tier, modality, capacity, caseload, median_wait_weeks)
SERVICE_SPECS = [
    ("S01", "Synthetic adult treatment hub (city centre)", "adult_treatment", 3,
     "pharmacological", 650, 702, 2.5),
    ("S02", "Synthetic adult treatment hub (west)", "adult_treatment", 3,
     "pharmacological", 450, 418, 1.5),
    ("S03", "Synthetic adult treatment hub (north)", "adult_treatment", 3,
     "psychosocial", 400, 371, 2.0),
    ("S04", "Synthetic alcohol service", "adult_treatment", 3,
     "psychosocial", 500, 536, 3.0),
    ("S05", "Synthetic young people's service", "young_people", 3,
     "psychosocial", 90, 64, 1.0),
    ("S06", "Synthetic young people's early intervention", "young_people", 2,
     "early_intervention", 200, 151, 0.5),
    ("S07", "Synthetic recovery hub (central)", "recovery", 2,
     "recovery_support", 180, 143, 1.0),
    ("S08", "Synthetic recovery hub (east)", "recovery", 2,
     "recovery_support", 120, 88, 1.0),
    ("S09", "Synthetic inpatient detox unit", "inpatient", 4,
     "inpatient_detox", 12, 10, 5.0),
] + [
    (f"S{10 + k:02d}", f"Synthetic pharmacy needle exchange {k + 1}", "needle_exchange", 2,
     "needle_and_syringe", cap, case, 0.0)
    for k, (cap, case) in enumerate(
        [(150, 131), (120, 97), (120, 88), (100, 64), (100, 71), (80, 52), (80, 45), (60, 31)]
    )
]  # fmt: skip


def make_services(
    rng: np.random.Generator, lsoas: gpd.GeoDataFrame, crimes: pd.DataFrame
) -> pd.DataFrame:
    """Place each service at the inner point of an LSOA chosen for its type.

    Treatment hubs and recovery hubs go to the LSOAs with the most drug offences (spread out:
    no two services of one type in LSOAs within 1.5 km of each other); pharmacies to the next
    busiest LSOAs; the young people's services and the inpatient unit to random LSOAs.
    """
    counts = crimes["LSOA code"].value_counts()
    order = lsoas.assign(n=lsoas["lsoa_code"].map(counts).fillna(0))
    order = order.sort_values(["n", "lsoa_code"], ascending=[False, True])
    pts = order.set_index("lsoa_code")["point"]
    used: list[str] = []

    def pick(candidates: list[str], min_gap: float) -> str:
        for code in candidates:
            if code in used:
                continue
            if all(pts[code].distance(pts[u]) >= min_gap for u in used):
                used.append(code)
                return code
        raise RuntimeError("no LSOA left to place a service")

    busy = list(order["lsoa_code"])
    shuffled = list(rng.permutation(busy))
    rows = []
    for spec in SERVICE_SPECS:
        sid, name, stype, tier, modality, cap, case, wait = spec
        if stype in ("adult_treatment", "recovery", "needle_exchange"):
            code = pick(busy, 1200.0)
        else:
            code = pick(shuffled, 1200.0)
        rows.append((sid, name, stype, tier, modality, code, cap, case, wait))
    df = pd.DataFrame(
        rows,
        columns=[
            "service_id",
            "name",
            "service_type",
            "tier",
            "modality",
            "lsoa_code",
            "capacity",
            "caseload",
            "median_wait_weeks",
        ],
    )
    geo = gpd.GeoSeries(list(pts[df["lsoa_code"]]), crs=BNG).to_crs(WGS84)
    df["longitude"] = geo.x.round(6).to_numpy()
    df["latitude"] = geo.y.round(6).to_numpy()
    return df[
        [
            "service_id",
            "name",
            "service_type",
            "tier",
            "modality",
            "longitude",
            "latitude",
            "capacity",
            "caseload",
            "median_wait_weeks",
        ]
    ]


def make_waiting_times(rng: np.random.Generator, services: pd.DataFrame) -> pd.DataFrame:
    """Starts per quarter ~ Poisson(caseload / 4 x 0.6); within target ~ Binomial(p).

    p = 0.94 for adult services (S01 is busier: 0.86), 0.82 for young people's tier 3.
    Needle exchanges have no waits and are left out.
    """
    rows = []
    with_waits = services[services["service_type"] != "needle_exchange"]
    for year in YEARS:
        for q in ["Q1", "Q2", "Q3", "Q4"]:
            for s in with_waits.itertuples(index=False):
                cohort = "young_people" if s.service_type == "young_people" else "adult"
                if s.service_id == "S01":
                    p = 0.86
                elif cohort == "young_people":
                    p = 0.82 if s.tier == 3 else 0.93
                else:
                    p = 0.94
                started = int(rng.poisson(s.caseload / 4 * 0.6 * YEAR_SCALE[year]))
                within = int(rng.binomial(started, p))
                rows.append((year, q, s.service_id, s.modality, cohort, started, within))
    return pd.DataFrame(
        rows,
        columns=[
            "financial_year",
            "quarter",
            "service_id",
            "modality",
            "cohort",
            "started",
            "within_target",
        ],
    )


PLACE_PATTERNS = [
    "Rear of {street} / alley",
    "Alleyway off {street}",
    "{street}, grass verge",
    "{street}, car park",
    "Bus shelter, {street}",
    "Stairwell of flats off {street}",
    "Bushes by {street}",
    "Doorway, {street}",
]


#: Patterns for police.uk generic places ("On or near Supermarket", "On or near Parking Area").
GENERIC_PATTERNS = [
    "Behind {place} (bin area)",
    "{place}, side entrance",
    "Bushes next to {place}",
]
STREET_WORDS = {
    "street", "road", "lane", "avenue", "drive", "close", "way", "walk", "place", "gardens",
    "crescent", "terrace", "grove", "square", "court", "hill", "row", "gate", "park", "rise",
    "view", "mews", "yard", "green", "vale", "gateway", "parade", "circle", "boulevard",
}  # fmt: skip


def _place_text(location: str, rng: np.random.Generator) -> str:
    """A find's place text built from a police.uk ``Location`` ("On or near Foo Street")."""
    text = str(location).removeprefix("On or near").strip() or "unnamed road"
    words = text.split()
    if words[-1].lower() in STREET_WORDS or re.fullmatch(r"[AB]\d+", words[-1]):
        pattern = PLACE_PATTERNS[int(rng.integers(len(PLACE_PATTERNS)))]
        return pattern.format(street=text)
    pattern = GENERIC_PATTERNS[int(rng.integers(len(GENERIC_PATTERNS)))]
    return pattern.format(place=text)


def make_needle_finds(rng: np.random.Generator, crimes: pd.DataFrame) -> pd.DataFrame:
    """Needle finds placed near real Drugs offence points, 2020-04 .. 2022-10.

    Each month has Poisson(37 x seasonal factor) finds (more in summer: factor 1 + 0.25 cos of
    the month's distance from July); each find copies a random Drugs offence point of the same
    month, jittered by N(0, 60 m) in each BNG axis, and builds its place text from that point's
    police.uk ``Location`` (generic police.uk places such as "Supermarket" get their own
    patterns; points snapped to the Euston Street police station are left out). Quantity
    Geometric(0.45) (1, 2, 3, ...), replaced by a large find of 10-60 with probability 0.03;
    hours to collection lognormal (median 5 h, sigma 0.8). Two rows carry HTML/script text as
    location to exercise escaping.
    """
    months = pd.period_range("2020-04", "2022-10", freq="M")
    # Euston Street is the city-centre police station: offences found on arrest are snapped
    # there, which says nothing about where needles are discarded.
    crimes = crimes[crimes["Location"] != "On or near Euston Street"].copy()
    pts = gpd.GeoSeries(
        gpd.points_from_xy(crimes["Longitude"], crimes["Latitude"]), crs=WGS84
    ).to_crs(BNG)
    crimes["x"] = pts.x.to_numpy()
    crimes["y"] = pts.y.to_numpy()
    rows = []
    for month in months:
        pool = crimes[crimes["Month"] == str(month)]
        season = 1 + 0.25 * np.cos(2 * np.pi * (month.month - 7) / 12)
        n = int(rng.poisson(37 * season))
        idx = rng.integers(0, len(pool), n)
        days = rng.integers(1, month.days_in_month + 1, n)
        for i, day in zip(idx, days, strict=True):
            c = pool.iloc[int(i)]
            place = _place_text(c["Location"], rng)
            qty = int(rng.geometric(0.45))
            if rng.random() < 0.03:
                qty = int(rng.integers(10, 61))
            rows.append(
                {
                    "date": f"{month.year:04d}-{month.month:02d}-{int(day):02d}",
                    "location": place,
                    "x": c["x"] + rng.normal(0, 60),
                    "y": c["y"] + rng.normal(0, 60),
                    "quantity": qty,
                    "hours_to_collection": round(float(rng.lognormal(np.log(5), 0.8)), 1),
                }
            )
    df = pd.DataFrame(rows).sort_values("date", kind="stable").reset_index(drop=True)
    df.insert(0, "find_id", [f"NF{i + 1:05d}" for i in range(len(df))])
    geo = gpd.GeoSeries(gpd.points_from_xy(df["x"], df["y"]), crs=BNG).to_crs(WGS84)
    df["longitude"] = geo.x.round(6).to_numpy()
    df["latitude"] = geo.y.round(6).to_numpy()
    # Hostile text, to check that every display escapes it (documented in the README section).
    df.loc[10, "location"] = "<script>alert(1)</script>"
    df.loc[20, "location"] = "<img src=x onerror=alert(1)>"
    return df[
        [
            "find_id",
            "date",
            "location",
            "longitude",
            "latitude",
            "quantity",
            "hours_to_collection",
        ]
    ]


#: City totals (all wards) of each group's cohort in 2021-22, before deprivation weighting.
YP_COHORT = {"YOT": 170, "LAC": 380, "PRU": 150}
YP_TIER2 = {"YOT": 0.45, "LAC": 0.30, "PRU": 0.40}
YP_TIER3 = {"YOT": 0.10, "LAC": 0.06, "PRU": 0.08}


def ward_population_10_17(lsoas: gpd.GeoDataFrame, ward_of: pd.Series) -> pd.Series:
    """Residents aged 10-17 per ward: ward share of the city's mid-2019 population x city total.

    The city total of 10-17 year olds is estimated from IoD2019 File 6 (mid-2015) as
    6/16 of the 0-15 population (ages 10-15) plus 2/44 of the 16-59 population (ages 16-17),
    assuming single years of age are evenly spread within each band.
    """
    city_10_17 = (lsoas["age_0_15"] * 6 / 16 + lsoas["age_16_59"] * 2 / 44).sum()
    ward_pop = lsoas["population"].groupby(ward_of.to_numpy()).sum()
    return (ward_pop / ward_pop.sum() * city_10_17).round().astype(int)


def make_young_people(
    rng: np.random.Generator,
    lsoas: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    ward_of: pd.Series,
) -> pd.DataFrame:
    """Cohorts per ward ~ Poisson(city total x ward share of 10-17s x deprivation factor)."""
    pop_10_17 = ward_population_10_17(lsoas, ward_of)
    mean_decile = (lsoas["imd_decile"] * lsoas["population"]).groupby(
        ward_of.to_numpy()
    ).sum() / lsoas["population"].groupby(ward_of.to_numpy()).sum()
    dep = np.exp(-0.25 * (mean_decile - mean_decile.mean()))
    share = pop_10_17 * dep / (pop_10_17 * dep).sum()
    rows = []
    for year in YEARS:
        for w in wards.itertuples(index=False):
            code = w.ward_code
            for group in ["YOT", "LAC", "PRU"]:
                cohort = int(rng.poisson(YP_COHORT[group] * YEAR_SCALE[year] * share.get(code, 0)))
                t2 = int(rng.binomial(cohort, YP_TIER2[group]))
                t3 = int(rng.binomial(cohort, YP_TIER3[group]))
                t3_10 = int(rng.binomial(t3, 0.8))
                rows.append(
                    (
                        year,
                        code,
                        w.ward_name,
                        group,
                        cohort,
                        t2,
                        t3,
                        t3_10,
                        int(pop_10_17.get(code, 0)),
                    )
                )
    return pd.DataFrame(
        rows,
        columns=[
            "financial_year",
            "ward_code",
            "ward_name",
            "group",
            "cohort",
            "tier2_reached",
            "tier3_referred",
            "tier3_within_10_days",
            "population_10_17",
        ],
    )


#: treatment_outcomes: share of those in treatment who complete successfully in the year, share
#: of completers not re-presenting within 6 months, share of the year's caseload who are new
#: presentations, and share of new presentations retained 12 weeks or more.
OUTCOME_SHARES = {
    "opiate": (0.06, 0.85, 0.20, 0.85),
    "crack": (0.20, 0.85, 0.45, 0.75),
    "opiate_and_crack": (0.04, 0.80, 0.20, 0.80),
    "non_opiate": (0.36, 0.93, 0.60, 0.75),
    "alcohol": (0.38, 0.94, 0.60, 0.78),
}


def make_treatment_outcomes(rng: np.random.Generator, demo: pd.DataFrame) -> pd.DataFrame:
    """Completions and retention per year and group; ``in_treatment`` = the demographics total.

    successful completions ~ Binomial(in treatment, p1); of those not re-presenting within 6
    months ~ Binomial(completions, p2); new presentations ~ Binomial(in treatment, p3);
    retained 12 weeks or more ~ Binomial(new presentations, p4), with (p1..p4) from
    :data:`OUTCOME_SHARES`.
    """
    totals = demo.groupby(["financial_year", "substance_group"], sort=False)["in_treatment"].sum()
    rows = []
    for (year, group), n in totals.items():
        p1, p2, p3, p4 = OUTCOME_SHARES[group]
        done = int(rng.binomial(n, p1))
        new = int(rng.binomial(n, p3))
        rows.append(
            (
                year,
                group,
                int(n),
                done,
                int(rng.binomial(done, p2)),
                new,
                int(rng.binomial(new, p4)),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "financial_year",
            "substance_group",
            "in_treatment",
            "successful_completions",
            "completions_not_representing",
            "new_presentations",
            "retained_12_weeks",
        ],
    )


def main() -> None:
    """Make and write all eight synthetic tables."""
    rng = np.random.default_rng(SEED)
    lsoas = load_lsoas()
    wards, ward_of = load_wards(lsoas)
    crimes = load_drug_crimes(set(lsoas["lsoa_code"]))

    demo = make_treatment_demographics(rng)
    write_table(demo, "treatment_demographics")
    write_table(make_treatment_by_lsoa(rng, lsoas, demo), "treatment_by_lsoa")
    write_table(make_prevalence(), "prevalence")
    services = make_services(rng, lsoas, crimes)
    write_table(services, "services")
    write_table(make_waiting_times(rng, services), "waiting_times")
    write_table(make_needle_finds(rng, crimes), "needle_finds")
    write_table(make_young_people(rng, lsoas, wards, ward_of), "young_people")
    write_table(
        make_treatment_outcomes(np.random.default_rng([SEED, 8]), demo), "treatment_outcomes"
    )


if __name__ == "__main__":
    main()
