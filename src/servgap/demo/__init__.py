"""The demo company "示例快递 / Example Express": generated data with planted findings."""

from servgap.demo.findings import FINDINGS, Finding
from servgap.demo.generate import DEFAULT_SEED, DemoCompany, build_demo
from servgap.demo.survey import load_survey_definition

__all__ = [
    "DEFAULT_SEED",
    "FINDINGS",
    "DemoCompany",
    "Finding",
    "build_demo",
    "load_survey_definition",
]
