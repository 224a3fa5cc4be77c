"""The words of alerts and improvement actions: kinds, severities and states.

Kept apart from :mod:`servgap.core.alerts` (which needs scipy) so that the command line can
offer them as choices without importing the statistics at start-up.
"""

from __future__ import annotations

#: alert kind -> (English, Chinese) label
KINDS: dict[str, tuple[str, str]] = {
    "below_adequate": ("Below the adequate level", "低于适当服务水平"),
    "expectations_rising": ("Expectations rising", "期望上升"),
    "kano_shift": ("Kano category changed", "Kano 类别变化"),
    "score_out_of_control": ("Score outside control limits", "指数超出控制限"),
    "complaints_rising": ("Complaints rising", "投诉上升"),
}
SEVERITIES: tuple[str, ...] = ("high", "medium", "low")
ALERT_STATES: tuple[str, ...] = ("open", "acknowledged", "resolved")
ACTION_STATES: tuple[str, ...] = ("open", "in_progress", "done")
