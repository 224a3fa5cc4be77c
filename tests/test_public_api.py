"""The public API names are pinned, resolve, and `import servgap` stays light."""

from __future__ import annotations

import subprocess
import sys

import servgap

PINNED = {
    # issue 3
    "servqual", "cronbach_alpha", "kano", "nps", "csat", "anova", "relative_importance",
    "importance_performance", "csi_model", "ACSI", "ECSI", "CCSI", "trend",
    # issue 4
    "erlang_c", "erlang_a", "mmck", "mmc_finite_population", "required_agents",
    "optimal_agents", "estimate_patience", "estimate_aht", "forecast", "Adjustment", "simulate",
    "tolerance_target", "share_within_tolerance", "balance", "roster_to_agents",
    # issue 5
    "classify_complaints", "sentiment", "similar_cases", "train_classifier", "keywords",
    "segment", "tolerance_scores", "calibrate_tolerance", "rank_cases", "recovery_paradox",
    "sla_status", "BusinessCalendar", "transition",
}  # fmt: skip


def test_pinned_names_exported_and_resolve() -> None:
    assert set(servgap.__all__) >= PINNED
    for name in servgap.__all__:
        assert getattr(servgap, name) is not None, name


def test_import_servgap_does_not_load_storage_web_or_cli() -> None:
    code = (
        "import sys, servgap; servgap.servqual; "
        "bad = [m for m in ('sqlalchemy', 'alembic', 'fastapi', 'click', 'servgap.store', "
        "'servgap.cli', 'servgap.services') if m in sys.modules]; print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
