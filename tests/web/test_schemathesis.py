"""schemathesis over /openapi.json: no request, valid or not, gets a 5xx. Bounded and
deterministic (derandomized Hypothesis, a fixed number of examples per operation), with
generated path parameters and with the real workspace, survey and link."""

from __future__ import annotations

import re

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from tests.web.conftest import Web
from tests.web.helpers import make_links

EXAMPLES = 15


def test_no_server_error_for_any_generated_request(web: Web) -> None:
    """As an admin (every route open), on every backend."""
    _fuzz(web, "admin@acme")


def test_no_server_error_for_a_role_with_little_access(sqlite_web: Web) -> None:
    _fuzz(sqlite_web, "agent@acme")


def _fuzz(web: Web, who: str) -> None:
    [link] = make_links(web.client, web.auth("admin@acme"))
    real = {"ws": "acme", "survey": "svc", "link_id": link["id"]}
    schema = schemathesis.openapi.from_asgi("/openapi.json", web.app)
    headers = web.auth(who)
    failures: list[str] = []
    operations = runs = 0
    for result in schema.get_all_operations():
        op = result.ok()
        operations += 1
        names = set(re.findall(r"{(\w+)}", op.path))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for fixed in ({}, {k: v for k, v in real.items() if k in names}):
                strategy = op.as_strategy(generation_mode=mode, path_parameters=fixed or None)

                @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                          phases=[Phase.explicit, Phase.generate],
                          suppress_health_check=list(HealthCheck))  # fmt: skip
                @given(strategy)
                def run(case: schemathesis.Case) -> None:
                    response = case.call(headers=headers)
                    if response.status_code >= 500:
                        failures.append(f"{case.method} {case.formatted_path} "
                                        f"{case.query} {case.body!r:.200}: "
                                        f"{response.status_code} {response.text[:300]}")  # fmt: skip

                try:
                    run()
                except Unsatisfiable:
                    assert mode is GenerationMode.NEGATIVE, op.label  # nothing to make invalid
                    continue
                runs += 1
    assert runs >= 2 * operations >= 10
    assert not failures, "\n".join(failures[:20])
