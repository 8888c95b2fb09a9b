"""Open analysis workbench for community safety and drug partnerships."""

__version__ = "0.1.0"
