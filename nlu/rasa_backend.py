"""Intent backend that asks a Rasa 3.6 server (`/model/parse`) over HTTP, as production deployments do.

Rasa runs in its own Python 3.10 environment (scripts/setup_rasa.sh), trained on nlu/data/nlu.yml —
the same file the built-in classifier learns from.
"""

from __future__ import annotations

import httpx

INTENTS = frozenset(
    {"ask_procedure", "submit_feedback", "check_status", "greet", "thank", "goodbye", "human_handoff", "out_of_scope"}
)


class RasaUnavailable(RuntimeError):
    """The Rasa server could not be reached or answered something unusable."""


class RasaIntentBackend:
    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(base_url=self.url, timeout=timeout)

    def predict(self, text: str) -> tuple[str, float]:
        try:
            response = self._client.post("/model/parse", json={"text": text})
            response.raise_for_status()
            intent = response.json().get("intent") or {}
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"Rasa server at {self.url} failed: {exc}") from exc
        name = intent.get("name")
        confidence = float(intent.get("confidence") or 0.0)
        # FallbackClassifier's low-confidence label, and anything outside our contract, is out of scope.
        if name not in INTENTS:
            return "out_of_scope", confidence
        return name, confidence

    def close(self) -> None:
        self._client.close()
