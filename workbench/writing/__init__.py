"""Writing output files: spreadsheet-safe cells and atomic, locked output folders.

- :mod:`~workbench.writing.cells`: spreadsheet-safe text (CSV/formula injection), XLSX.
- :mod:`~workbench.writing.folder`: atomic, locked output folders and clean write errors.

What may be written is decided by :mod:`workbench.disclosure` (the policy, suppression and
the run audit); this package only writes it (issue 20: file writing moved out of the
disclosure package).
"""
