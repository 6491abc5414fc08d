"""Built-in intent classifier: the Rasa-format training file, rules, and accuracy on held-out phrasing."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from nlu.intents import INTENTS, NLU_DATA, find_tracking_code, get_builtin_classifier, load_examples
from nlu.normalize import fold, fold_diacritics

DEV = Path(__file__).resolve().parents[2] / "nlu" / "data" / "dev_intents.jsonl"


@pytest.fixture(scope="session")
def classifier():
    return get_builtin_classifier()


def test_nlu_yml_is_rasa_3_format_with_enough_examples() -> None:
    data = yaml.safe_load(NLU_DATA.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    blocks = data["nlu"]
    assert {block["intent"] for block in blocks} == set(INTENTS)
    for block in blocks:
        assert set(block) == {"intent", "examples"}
        lines = [line for line in block["examples"].splitlines() if line.strip()]
        assert all(line.startswith("- ") for line in lines), block["intent"]
    examples = load_examples()
    counts = Counter(intent for _, intent in examples)
    assert len(examples) >= 400 and min(counts.values()) >= 30
    unmarked = sum(1 for text, _ in examples if fold_diacritics(text) == text)
    assert unmarked / len(examples) >= 0.3


def test_dev_set_is_held_out_and_informal() -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 120
    training = {fold(text) for text, _ in load_examples()}
    assert not [row["text"] for row in rows if fold(row["text"]) in training]
    assert sum(fold_diacritics(row["text"]) == row["text"] for row in rows) / len(rows) >= 0.4
    assert {row["intent"] for row in rows} == set(INTENTS)
    assert all(("aspect" in row) == (row["intent"] == "ask_procedure") for row in rows)


def test_held_out_accuracy(classifier) -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    correct = sum(classifier.predict(row["text"])[0] == row["intent"] for row in rows)
    assert correct / len(rows) >= 0.9


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "😀😀", "?!..."])
def test_empty_input_is_out_of_scope_with_full_confidence(classifier, text: str) -> None:
    assert classifier.predict(text) == ("out_of_scope", 1.0)


@pytest.mark.parametrize("text", ["PA-2026-000123", "cho hỏi pa-2025-004567 sao rồi", "ma pa 2026 000999"])
def test_tracking_code_means_check_status(classifier, text: str) -> None:
    name, confidence = classifier.predict(text)
    assert name == "check_status" and confidence >= 0.9


def test_find_tracking_code_canonical() -> None:
    assert find_tracking_code("tra cứu pa 2026 000123 giúp em") == "PA-2026-000123"
    assert find_tracking_code("PA-2026-12") is None


def test_confidence_in_unit_interval_and_deterministic(classifier) -> None:
    for text in ["lam giay khai sinh", "đường ngập", "xin chào", "asdf qwer", "a" * 3000]:
        name, confidence = classifier.predict(text)
        assert name in INTENTS and 0.0 <= confidence <= 1.0
        assert classifier.predict(text) == (name, confidence)
    probabilities = classifier.probabilities("thủ tục đăng ký kết hôn")
    assert set(probabilities) == set(INTENTS)
    assert abs(sum(probabilities.values()) - 1.0) < 1e-6
