"""A bounded schemathesis run over every operation of the feedback API's OpenAPI schema (issue 10).

Used by tests/feedback_api/test_schemathesis.py; runnable alone for a longer run:
    .venv/bin/python -m tests.feedback_api.fuzz_schema --examples 50
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

OPENAPI_PATH = "/api/v1/openapi.json"


@dataclass
class FuzzReport:
    operations: int = 0
    requests: int = 0
    server_errors: int = 0
    violations: Counter = field(default_factory=Counter)  # check name -> count
    examples: list[str] = field(default_factory=list)  # one line per distinct failure

    @property
    def schema_violations(self) -> int:
        return sum(self.violations.values())


def fuzz(
    app,
    auth_headers: dict[str, str] | None = None,
    *,
    max_examples: int = 8,
    budget_seconds: float = 60.0,
    modes=("positive", "negative"),
    report: FuzzReport | None = None,
) -> FuzzReport:
    """Generate `max_examples` cases per operation and mode, call the app in-process, run every check.

    Failures are counted, not raised (so Hypothesis does not spend the budget shrinking them).
    """
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.core.failures import Failure, FailureGroup
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    # Not run: "schema-valid data must be accepted". Intake has rules JSON Schema cannot state (an
    # attachment id must exist, a phone needs 8 digits, content is at least 10 characters once trimmed);
    # such requests get a Vietnamese 400/422, which is right. Every other check runs.
    EXCLUDED_CHECKS = [positive_data_acceptance]

    report = report or FuzzReport()
    schema = schemathesis.openapi.from_asgi(OPENAPI_PATH, app)
    deadline = time.monotonic() + budget_seconds
    seen: set[str] = set()

    def record(case, exc: BaseException) -> None:
        failures = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
        for failure in failures:
            title = getattr(failure, "title", type(failure).__name__)
            name = "server_error" if "Server error" in title else title
            if name == "server_error":
                report.server_errors += 1
            else:
                report.violations[name] += 1
            line = f"{case.operation.label}: {name}"
            if line not in seen:
                seen.add(line)
                message = getattr(failure, "message", str(failure))
                report.examples.append(f"{line} — {' '.join(str(message).split())[:200]}")

    for result in schema.get_all_operations():
        operation = result.ok()
        report.operations += 1
        for mode in modes:
            if time.monotonic() > deadline:
                return report
            strategy = operation.as_strategy(generation_mode=GenerationMode(mode))

            @given(case=strategy)
            @settings(
                max_examples=max_examples,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                if time.monotonic() > deadline:
                    return
                report.requests += 1
                try:
                    case.call_and_validate(headers=dict(auth_headers or {}), excluded_checks=EXCLUDED_CHECKS)
                except (Failure, FailureGroup) as exc:
                    record(case, exc)
                except Exception as exc:  # raised by the app in-process: a server error
                    report.server_errors += 1
                    line = f"{case.operation.label}: server_error ({type(exc).__name__})"
                    if line not in seen:
                        seen.add(line)
                        report.examples.append(f"{line} — {str(exc)[:200]}")

            try:
                run()
            except Unsatisfiable:  # e.g. no negative variant of an operation without parameters
                pass
    return report


def _main() -> None:  # pragma: no cover - manual runs
    import argparse
    import tempfile
    from pathlib import Path

    from common.settings import Settings
    from feedback_api.auth.security import create_access_token
    from feedback_api.auth.service import create_user
    from feedback_api.db import get_sessionmaker
    from feedback_api.main import create_app

    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=20)
    parser.add_argument("--budget", type=float, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp())
    settings = Settings(
        _env_file=None,
        data_dir=data,
        database_url=args.database_url,
        jwt_secret="x" * 40,
        outbox_poll_seconds=0,
        scheduler_interval_seconds=0,
        rate_limit_per_minute=1_000_000,
    )
    app = create_app(settings)
    with get_sessionmaker(settings)() as session:
        user = create_user(session, "fuzz_supervisor", "password-for-fuzz", "supervisor", None)
        token = create_access_token(user, settings)
    for name, headers in (("anonymous", {}), ("supervisor", {"Authorization": f"Bearer {token}"})):
        report = fuzz(app, headers, max_examples=args.examples, budget_seconds=args.budget)
        print(
            f"{name}: {report.operations} operations, {report.requests} requests, "
            f"{report.server_errors} server errors, {report.schema_violations} schema violations"
        )
        for line in report.examples:
            print("  ", line)


if __name__ == "__main__":
    _main()
