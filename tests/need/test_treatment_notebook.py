"""The treatment notebook says, section by section, which figures are real and which are not."""

from __future__ import annotations

import nbformat

from workbench.report import NOTEBOOKS, THEMES


def test_each_section_says_real_or_synthetic():
    nb = nbformat.read(NOTEBOOKS / THEMES["treatment"], as_version=4)
    headings = [
        c.source.splitlines()[0]
        for c in nb.cells
        if c.cell_type == "markdown" and c.source.startswith("## ")
    ]
    viewit = [h for h in headings if "NDTMS ViewIt" in h]
    template = [h for h in headings if "template" in h]
    assert len(viewit) == 5 and all("real" in h for h in viewit)
    assert len(template) == 5 and all("SYNTHETIC in the sample" in h for h in template)
    # every code cell within 12 lines (logic in modules, narrative in the notebook)
    assert all(len(c.source.splitlines()) <= 12 for c in nb.cells if c.cell_type == "code")
