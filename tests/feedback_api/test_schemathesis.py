"""Issue 10 measurement: a bounded schemathesis run over every operation, anonymous and with a staff token:
0 server errors, 0 schema violations (status codes, content types, headers and bodies as documented,
invalid data rejected). Both backends (the PostgreSQL one when reachable). Longer runs:
    .venv/bin/python -m tests.feedback_api.fuzz_schema --examples 50
"""

from __future__ import annotations

import pytest

pytest.importorskip("schemathesis", reason="schemathesis is in the dev extras (pip install -e '.[dev]')")

from tests.feedback_api.fuzz_schema import fuzz  # noqa: E402

EXAMPLES_PER_OPERATION = 4  # per generation mode (valid and invalid data) and per caller
BUDGET_SECONDS = 90  # per caller; a run stops generating when it is spent


@pytest.mark.parametrize("caller", ["anonymous", "supervisor"])
def test_schemathesis_every_operation(app, tokens, caller):
    headers = tokens[caller] if caller != "anonymous" else {}
    report = fuzz(app, headers, max_examples=EXAMPLES_PER_OPERATION, budget_seconds=BUDGET_SECONDS)
    summary = (
        f"{caller}: {report.operations} operations, {report.requests} requests, "
        f"{report.server_errors} server errors, {report.schema_violations} schema violations"
    )
    print(summary)
    assert report.operations >= 30 and report.requests >= report.operations
    assert report.server_errors == 0 and report.schema_violations == 0, "\n".join([summary, *report.examples])
