"""The public API names are pinned, resolve, and `import servgap` stays light."""

from __future__ import annotations

import subprocess
import sys

import servgap

# The whole public API, exactly: a name added to or dropped from servgap.__all__ must be added
# to or dropped from this list on purpose.
PINNED = [
    "parse_survey", "SurveyDefinition", "Question", "PeriodScheme", "servqual", "servqual_stats",
    "finish_servqual", "respondent_scores", "ServqualResult", "ServqualStats", "kano",
    "classify_kano", "parse_kano_answers", "KanoResult", "nps", "csat", "NpsResult",
    "CsatResult", "csi_model", "CsiResult", "ACSI", "ECSI", "CCSI", "trend", "TrendResult",
    "cronbach_alpha", "ReliabilityResult", "anova", "AnovaResult", "relative_importance",
    "relative_importance_from_corr", "RelativeImportanceResult", "importance_performance",
    "IpaResult", "erlang_b", "erlang_c", "erlang_a", "mmck", "mmc_finite_population",
    "ErlangCResult", "ErlangAResult", "FiniteQueueResult", "estimate_patience", "estimate_aht",
    "PatienceEstimate", "AHTEstimate", "required_agents", "optimal_agents", "StaffingResult",
    "OptimalStaffing", "simulate", "SimulationResult", "forecast", "forecast_accuracy",
    "Adjustment", "ForecastResult", "Accuracy", "tolerance_target", "share_within_tolerance",
    "roster_to_agents", "balance", "ToleranceTarget", "ToleranceShare", "BalanceResult",
    "classify_complaints", "train_classifier", "evaluate_classifier", "sentiment", "segment",
    "keywords", "similar_cases", "ClassificationResult", "EvaluationResult", "SentimentResult",
    "KeywordsResult", "SimilarCasesResult", "transition", "case_from_survey_response",
    "BusinessCalendar", "SlaPolicy", "sla_status", "SlaStatusResult", "business_seconds_between",
    "add_business_time", "tolerance_features", "tolerance_scores", "ToleranceScores",
    "calibrate_tolerance", "ToleranceCalibration", "rank_cases", "recovery_paradox",
    "justice_scores", "recovery_outcomes", "complaints_by_dimension", "PairedComparison",
    "RecoveryOutcomes", "parse_standard", "weighted_scores", "AuditStandard", "ServgapError",
    "InputError", "SpecError", "InsufficientDataError", "ComputationError", "NotFoundError",
    "ConflictError", "Problem", "build_demo",
]  # fmt: skip


def test_public_names_are_exactly_the_pinned_list() -> None:
    assert servgap.__all__ == PINNED
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
