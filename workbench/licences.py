"""Licence statements the outputs carry (Open Government Licence, Ordnance Survey boundaries).

Core vocabulary: the study names its maps' attributions from here without loading the map
modules, and :mod:`workbench.maps` puts them on every map.
"""

from __future__ import annotations

__all__ = ["OGL", "os_attribution"]

#: The Open Government Licence statement for public sector information.
OGL = "Contains public sector information licensed under the Open Government Licence v3.0."


def os_attribution(year: int | None = None) -> str:
    """The Ordnance Survey boundary attribution, e.g. for ONS LSOA and ward boundaries.

    ``year`` is the year of the boundary data's copyright (the sample's ONS boundaries say
    2014; a study gives it as ``[study] boundary_copyright_year``, see
    :attr:`workbench.study.Study.map_attributions`). ``None`` (unknown) gives the statement
    without a year rather than a guessed one.
    """
    right = "database right" if year is None else f"database right {int(year)}"
    return (
        f"Contains OS data © Crown copyright and {right}. "
        "Contains ONS data © Crown copyright and database right. "
        "Licensed under the Open Government Licence v3.0."
    )
