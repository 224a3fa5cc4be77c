"""servgap: customer expectation and satisfaction management for service businesses.

``import servgap as sg`` gives the whole analytical API (SERVQUAL and the zone
of tolerance, Kano, NPS/CSAT, ANOVA, drivers, satisfaction-index models,
trends, queueing and staffing, forecasting, simulation, capacity balance,
complaint text analytics, case workflow rules, SLA clocks, customer tolerance
and recovery analytics). Names are loaded lazily on first use (PEP 562), so
``import servgap`` is fast and never imports the storage, web or CLI layers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # survey definitions
    "parse_survey": "servgap.core.survey",
    "SurveyDefinition": "servgap.core.survey",
    "Question": "servgap.core.survey",
    "PeriodScheme": "servgap.core.periods",
    # expectations: SERVQUAL, zone of tolerance, Kano
    "servqual": "servgap.core.servqual",
    "servqual_stats": "servgap.core.servqual_stats",
    "finish_servqual": "servgap.core.servqual",
    "respondent_scores": "servgap.core.servqual",
    "ServqualResult": "servgap.core.servqual",
    "ServqualStats": "servgap.core.servqual_stats",
    "kano": "servgap.core.kano",
    "classify_kano": "servgap.core.kano",
    "parse_kano_answers": "servgap.core.kano",
    "KanoResult": "servgap.core.kano",
    # satisfaction: NPS, CSAT, indices, trends
    "nps": "servgap.core.satisfaction",
    "csat": "servgap.core.satisfaction",
    "NpsResult": "servgap.core.satisfaction",
    "CsatResult": "servgap.core.satisfaction",
    "csi_model": "servgap.core.csi",
    "CsiResult": "servgap.core.csi",
    "ACSI": "servgap.core.csi_models",
    "ECSI": "servgap.core.csi_models",
    "CCSI": "servgap.core.csi_models",
    "trend": "servgap.core.trend",
    "TrendResult": "servgap.core.trend",
    # statistics: reliability, segments, drivers
    "cronbach_alpha": "servgap.core.reliability",
    "ReliabilityResult": "servgap.core.reliability",
    "anova": "servgap.core.anova",
    "AnovaResult": "servgap.core.anova",
    "relative_importance": "servgap.core.drivers",
    "relative_importance_from_corr": "servgap.core.drivers",
    "RelativeImportanceResult": "servgap.core.drivers",
    "importance_performance": "servgap.core.drivers",
    "IpaResult": "servgap.core.drivers",
    # queueing and staffing
    "erlang_b": "servgap.core.queueing",
    "erlang_c": "servgap.core.queueing",
    "erlang_a": "servgap.core.queueing",
    "mmck": "servgap.core.finite_queues",
    "mmc_finite_population": "servgap.core.finite_queues",
    "ErlangCResult": "servgap.core.queueing",
    "ErlangAResult": "servgap.core.queueing",
    "FiniteQueueResult": "servgap.core.finite_queues",
    "estimate_patience": "servgap.core.queue_estimates",
    "estimate_aht": "servgap.core.queue_estimates",
    "PatienceEstimate": "servgap.core.queue_estimates",
    "AHTEstimate": "servgap.core.queue_estimates",
    "required_agents": "servgap.core.staffing",
    "optimal_agents": "servgap.core.staffing",
    "StaffingResult": "servgap.core.staffing",
    "OptimalStaffing": "servgap.core.staffing",
    "simulate": "servgap.core.simulate",
    "SimulationResult": "servgap.core.simulate",
    # forecasting and capacity
    "forecast": "servgap.core.forecast",
    "forecast_accuracy": "servgap.core.forecast",
    "Adjustment": "servgap.core.forecast",
    "ForecastResult": "servgap.core.forecast",
    "Accuracy": "servgap.core.forecast",
    "tolerance_target": "servgap.core.capacity",
    "share_within_tolerance": "servgap.core.capacity",
    "roster_to_agents": "servgap.core.capacity",
    "balance": "servgap.core.balance",
    "ToleranceTarget": "servgap.core.capacity",
    "ToleranceShare": "servgap.core.capacity",
    "BalanceResult": "servgap.core.balance",
    # complaint text
    "classify_complaints": "servgap.core.text",
    "train_classifier": "servgap.core.text",
    "evaluate_classifier": "servgap.core.text",
    "sentiment": "servgap.core.text",
    "segment": "servgap.core.text",
    "keywords": "servgap.core.text",
    "similar_cases": "servgap.core.text",
    "ClassificationResult": "servgap.core.text.classify",
    "EvaluationResult": "servgap.core.text.classify",
    "SentimentResult": "servgap.core.text.sentiment",
    "KeywordsResult": "servgap.core.text.keywords",
    "SimilarCasesResult": "servgap.core.text.similar",
    # cases and SLA clocks
    "transition": "servgap.core.cases",
    "case_from_survey_response": "servgap.core.closed_loop",
    "BusinessCalendar": "servgap.core.sla",
    "SlaPolicy": "servgap.core.sla_status",
    "sla_status": "servgap.core.sla_status",
    "SlaStatusResult": "servgap.core.sla_status",
    "business_seconds_between": "servgap.core.sla",
    "add_business_time": "servgap.core.sla",
    # customer tolerance and service recovery
    "tolerance_features": "servgap.core.tolerance",
    "tolerance_scores": "servgap.core.tolerance",
    "ToleranceScores": "servgap.core.tolerance",
    "calibrate_tolerance": "servgap.core.tolerance_calibration",
    "ToleranceCalibration": "servgap.core.tolerance_calibration",
    "rank_cases": "servgap.core.tolerance",
    "recovery_paradox": "servgap.core.recovery",
    "justice_scores": "servgap.core.recovery",
    "recovery_outcomes": "servgap.core.recovery",
    "complaints_by_dimension": "servgap.core.recovery",
    "PairedComparison": "servgap.core.recovery",
    "RecoveryOutcomes": "servgap.core.recovery",
    # mystery-shopper audits
    "parse_standard": "servgap.core.audit_standard",
    "weighted_scores": "servgap.core.audit_standard",
    "AuditStandard": "servgap.core.audit_standard",
    # errors
    "ServgapError": "servgap.core.errors",
    "InputError": "servgap.core.errors",
    "SpecError": "servgap.core.errors",
    "InsufficientDataError": "servgap.core.errors",
    "ComputationError": "servgap.core.errors",
    "NotFoundError": "servgap.core.errors",
    "ConflictError": "servgap.core.errors",
    "Problem": "servgap.core.errors",
    # demo data (pure generator, no storage)
    "build_demo": "servgap.demo",
}

__all__ = list(_EXPORTS)  # the one list of public names, grouped by area as above


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'servgap' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # static view of the lazy names for type checkers and IDEs
    from servgap.core.anova import AnovaResult as AnovaResult
    from servgap.core.anova import anova as anova
    from servgap.core.audit_standard import AuditStandard as AuditStandard
    from servgap.core.audit_standard import parse_standard as parse_standard
    from servgap.core.audit_standard import weighted_scores as weighted_scores
    from servgap.core.balance import BalanceResult as BalanceResult
    from servgap.core.balance import balance as balance
    from servgap.core.capacity import ToleranceShare as ToleranceShare
    from servgap.core.capacity import ToleranceTarget as ToleranceTarget
    from servgap.core.capacity import roster_to_agents as roster_to_agents
    from servgap.core.capacity import share_within_tolerance as share_within_tolerance
    from servgap.core.capacity import tolerance_target as tolerance_target
    from servgap.core.cases import transition as transition
    from servgap.core.closed_loop import case_from_survey_response as case_from_survey_response
    from servgap.core.csi import CsiResult as CsiResult
    from servgap.core.csi import csi_model as csi_model
    from servgap.core.csi_models import ACSI as ACSI
    from servgap.core.csi_models import CCSI as CCSI
    from servgap.core.csi_models import ECSI as ECSI
    from servgap.core.drivers import IpaResult as IpaResult
    from servgap.core.drivers import RelativeImportanceResult as RelativeImportanceResult
    from servgap.core.drivers import importance_performance as importance_performance
    from servgap.core.drivers import relative_importance as relative_importance
    from servgap.core.drivers import relative_importance_from_corr as relative_importance_from_corr
    from servgap.core.errors import ComputationError as ComputationError
    from servgap.core.errors import ConflictError as ConflictError
    from servgap.core.errors import InputError as InputError
    from servgap.core.errors import InsufficientDataError as InsufficientDataError
    from servgap.core.errors import NotFoundError as NotFoundError
    from servgap.core.errors import Problem as Problem
    from servgap.core.errors import ServgapError as ServgapError
    from servgap.core.errors import SpecError as SpecError
    from servgap.core.finite_queues import FiniteQueueResult as FiniteQueueResult
    from servgap.core.finite_queues import mmc_finite_population as mmc_finite_population
    from servgap.core.finite_queues import mmck as mmck
    from servgap.core.forecast import Accuracy as Accuracy
    from servgap.core.forecast import Adjustment as Adjustment
    from servgap.core.forecast import ForecastResult as ForecastResult
    from servgap.core.forecast import forecast as forecast
    from servgap.core.forecast import forecast_accuracy as forecast_accuracy
    from servgap.core.kano import KanoResult as KanoResult
    from servgap.core.kano import classify_kano as classify_kano
    from servgap.core.kano import kano as kano
    from servgap.core.kano import parse_kano_answers as parse_kano_answers
    from servgap.core.periods import PeriodScheme as PeriodScheme
    from servgap.core.queue_estimates import AHTEstimate as AHTEstimate
    from servgap.core.queue_estimates import PatienceEstimate as PatienceEstimate
    from servgap.core.queue_estimates import estimate_aht as estimate_aht
    from servgap.core.queue_estimates import estimate_patience as estimate_patience
    from servgap.core.queueing import ErlangAResult as ErlangAResult
    from servgap.core.queueing import ErlangCResult as ErlangCResult
    from servgap.core.queueing import erlang_a as erlang_a
    from servgap.core.queueing import erlang_b as erlang_b
    from servgap.core.queueing import erlang_c as erlang_c
    from servgap.core.recovery import PairedComparison as PairedComparison
    from servgap.core.recovery import RecoveryOutcomes as RecoveryOutcomes
    from servgap.core.recovery import complaints_by_dimension as complaints_by_dimension
    from servgap.core.recovery import justice_scores as justice_scores
    from servgap.core.recovery import recovery_outcomes as recovery_outcomes
    from servgap.core.recovery import recovery_paradox as recovery_paradox
    from servgap.core.reliability import ReliabilityResult as ReliabilityResult
    from servgap.core.reliability import cronbach_alpha as cronbach_alpha
    from servgap.core.satisfaction import CsatResult as CsatResult
    from servgap.core.satisfaction import NpsResult as NpsResult
    from servgap.core.satisfaction import csat as csat
    from servgap.core.satisfaction import nps as nps
    from servgap.core.servqual import ServqualResult as ServqualResult
    from servgap.core.servqual import finish_servqual as finish_servqual
    from servgap.core.servqual import respondent_scores as respondent_scores
    from servgap.core.servqual import servqual as servqual
    from servgap.core.servqual_stats import ServqualStats as ServqualStats
    from servgap.core.servqual_stats import servqual_stats as servqual_stats
    from servgap.core.simulate import SimulationResult as SimulationResult
    from servgap.core.simulate import simulate as simulate
    from servgap.core.sla import BusinessCalendar as BusinessCalendar
    from servgap.core.sla import add_business_time as add_business_time
    from servgap.core.sla import business_seconds_between as business_seconds_between
    from servgap.core.sla_status import SlaPolicy as SlaPolicy
    from servgap.core.sla_status import SlaStatusResult as SlaStatusResult
    from servgap.core.sla_status import sla_status as sla_status
    from servgap.core.staffing import OptimalStaffing as OptimalStaffing
    from servgap.core.staffing import StaffingResult as StaffingResult
    from servgap.core.staffing import optimal_agents as optimal_agents
    from servgap.core.staffing import required_agents as required_agents
    from servgap.core.survey import Question as Question
    from servgap.core.survey import SurveyDefinition as SurveyDefinition
    from servgap.core.survey import parse_survey as parse_survey
    from servgap.core.text import classify_complaints as classify_complaints
    from servgap.core.text import evaluate_classifier as evaluate_classifier
    from servgap.core.text import keywords as keywords
    from servgap.core.text import segment as segment
    from servgap.core.text import sentiment as sentiment
    from servgap.core.text import similar_cases as similar_cases
    from servgap.core.text import train_classifier as train_classifier
    from servgap.core.text.classify import ClassificationResult as ClassificationResult
    from servgap.core.text.classify import EvaluationResult as EvaluationResult
    from servgap.core.text.keywords import KeywordsResult as KeywordsResult
    from servgap.core.text.sentiment import SentimentResult as SentimentResult
    from servgap.core.text.similar import SimilarCasesResult as SimilarCasesResult
    from servgap.core.tolerance import ToleranceScores as ToleranceScores
    from servgap.core.tolerance import rank_cases as rank_cases
    from servgap.core.tolerance import tolerance_features as tolerance_features
    from servgap.core.tolerance import tolerance_scores as tolerance_scores
    from servgap.core.tolerance_calibration import ToleranceCalibration as ToleranceCalibration
    from servgap.core.tolerance_calibration import calibrate_tolerance as calibrate_tolerance
    from servgap.core.trend import TrendResult as TrendResult
    from servgap.core.trend import trend as trend
    from servgap.demo import build_demo as build_demo
