"""Build the demo company "示例快递 / Example Express" with planted findings.

``build_demo(seed)`` is pure data generation (numpy + pandas, no storage):
the same seed gives identical frames. The planted findings are listed in
``DemoCompany.findings`` and documented in ``docs/demo.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.demo.audits import make_audits
from servgap.demo.company import make_customers, regions_frame, sites_frame
from servgap.demo.complaints import make_complaints
from servgap.demo.demand import make_demand
from servgap.demo.findings import FINDINGS, Finding
from servgap.demo.survey import load_survey_definition, make_responses

DEFAULT_SEED = 20261122


@dataclass(frozen=True)
class DemoCompany(ResultMixin):
    """All demo tables of Example Express.

    Attributes
    ----------
    workspace : dict
        ``code``, ``name_zh``, ``name_en``.
    regions, sites, customers : pandas.DataFrame
        Site hierarchy and the customer base (``name`` and ``phone`` are
        synthetic personal data).
    survey : dict
        The parsed ``example_express_survey.yaml``.
    responses : pandas.DataFrame
        Canonical wide response table (docs/data-formats.md); ``submitted_at`` is
        tz-aware UTC, answers are float64 with NaN for missing answers.
    complaints, recoveries : pandas.DataFrame
        Complaint intake and one recovery per complaint.
    demand : pandas.DataFrame
        Half-hourly interval demand (plus an ``agents`` column: the staffing
        the simulation used).
    audits : pandas.DataFrame
        Mystery-shopper audits, long format (one row per indicator).
    findings : tuple of Finding
        The planted findings.
    truth : dict of str to pandas.DataFrame
        Hidden ground truth for tests: ``customers`` (code, expectation_z) and
        ``complaints`` (complaint, negative_emotion, prior_complaints,
        expectation_z, full_recovery, p_churn, p_again, seed_case).
    """

    workspace: dict[str, str]
    regions: pd.DataFrame
    sites: pd.DataFrame
    customers: pd.DataFrame
    survey: dict[str, Any]
    responses: pd.DataFrame
    complaints: pd.DataFrame
    recoveries: pd.DataFrame
    demand: pd.DataFrame
    audits: pd.DataFrame
    findings: tuple[Finding, ...]
    truth: dict[str, pd.DataFrame]


def build_demo(seed: int = DEFAULT_SEED) -> DemoCompany:
    """Generate every table of the demo company deterministically from ``seed``.

    Each table draws from its own child stream of ``numpy.random.SeedSequence(seed)``,
    so changing one generator does not change the others.

    Parameters
    ----------
    seed : int, default 20261122
        Seed of the random streams. The figures in ``docs/demo.md`` are for
        the default seed; the planted findings hold for any seed.

    Returns
    -------
    DemoCompany
    """
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    customers = make_customers(streams[0])
    survey = load_survey_definition()
    responses = make_responses(streams[1], customers, survey)
    complaint_tables = make_complaints(streams[2], customers)
    demand = make_demand(streams[3])
    audits = make_audits(streams[4])
    truth = {
        "customers": pd.DataFrame(
            {"code": customers.frame["code"], "expectation_z": customers.expectation_z}
        ),
        "complaints": complaint_tables.truth,
    }
    return DemoCompany(
        workspace={"code": "example_express", "name_zh": "示例快递", "name_en": "Example Express"},
        regions=regions_frame(),
        sites=sites_frame(),
        customers=customers.frame,
        survey=survey,
        responses=responses,
        complaints=complaint_tables.complaints,
        recoveries=complaint_tables.recoveries,
        demand=demand,
        audits=audits,
        findings=FINDINGS,
        truth=truth,
    )
