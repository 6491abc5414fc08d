"""Built-in intent classifier, trained at load from the Rasa-format `nlu/data/nlu.yml`.

Choice: two multinomial logistic regressions whose probabilities are combined by a weighted average —
1. lexical: TF-IDF over the *folded* text (`nlu.normalize.fold`), character n-grams (2-5, inside word
   boundaries) plus word unigrams/bigrams;
2. semantic (when the retrieval embedding model is loaded): the sentence embedding of the message from
   the same model the retriever uses (multilingual-e5-small by default).
Why:
- Citizens type with and without diacritics, with teencode and typos. Folding makes "lam giay khai sinh"
  and "làm giấy khai sinh" the same input, and character n-grams tolerate typos and unseen word forms.
  This part alone is fast (~0.5 ms, trained in ~1 s, no model) and is what runs when no embedding
  model loads.
- Embeddings generalise to phrasings that share no words with the training examples. In 5-fold
  cross-validation over nlu.yml (~780 examples, most of them one-off phrasings, so a pessimistic
  estimate), lexical alone scored 0.84, embeddings alone 0.79, the weighted average 0.87-0.88 (weight
  0.5, or 0.3 for text typed without diacritics, where the model is weaker; other weights within noise).
  The embedding of the message is computed once and reused by the retriever (the encoder caches
  queries), so for questions the semantic head costs nothing extra; the training-set embeddings are
  cached under the data dir, keyed by the examples and the model id.
- Both are plain numpy (L-BFGS from zeros): deterministic, no scikit-learn import at every CLI start.
  The confidence is the top averaged probability.
Two rules sit beside the models: an empty (or punctuation/emoji-only) message is `out_of_scope` with
confidence 1.0, and a message containing a tracking code (PA-YYYY-NNNNNN) is `check_status`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from nlu.normalize import fold, fold_diacritics

log = logging.getLogger(__name__)

NLU_DATA = Path(__file__).parent / "data" / "nlu.yml"
INTENTS = (
    "ask_procedure",
    "submit_feedback",
    "check_status",
    "greet",
    "thank",
    "goodbye",
    "human_handoff",
    "out_of_scope",
)
# Tracking codes as folded text: "pa-2026-000123", also typed "pa 2026 000123" or "pa2026000123".
TRACKING_CODE = re.compile(r"\bpa[- ]?(\d{4})[- ]?(\d{6})\b")


def find_tracking_code(text: str) -> str | None:
    """The first tracking code in `text`, canonical ("PA-2026-000123"), or None."""
    match = TRACKING_CODE.search(fold(text))
    return f"PA-{match.group(1)}-{match.group(2)}" if match else None


def load_examples(path: Path = NLU_DATA) -> list[tuple[str, str]]:
    """(text, intent) pairs from a Rasa 3.x NLU file (`- intent:` blocks with `examples: |`)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs: list[tuple[str, str]] = []
    for block in data.get("nlu", []):
        intent = block.get("intent")
        if not intent:
            continue
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((line[2:].strip(), intent))
    return pairs


def _char_ngrams(folded: str) -> list[str]:
    grams: list[str] = []
    for word in folded.split():
        padded = f" {word} "
        for n in range(2, 6):
            if len(padded) < n:
                break
            grams.extend("c" + padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def _word_ngrams(folded: str) -> list[str]:
    words = folded.split()
    return ["w" + w for w in words] + ["b" + a + " " + b for a, b in zip(words, words[1:], strict=False)]


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.multiply(a, b).sum())


def _lbfgs(objective, theta: np.ndarray, max_iter: int = 300, memory: int = 10, tol: float = 1e-5) -> np.ndarray:
    """Plain L-BFGS with a backtracking (Armijo) line search for a smooth convex objective.

    Small and dependency-free. Dot products avoid BLAS on purpose: OpenBLAS threads spin and contend
    on a small shared machine (scipy's L-BFGS-B took 5-10 s here for this 40k-parameter problem)."""
    loss, grad = objective(theta)
    s_list: list[np.ndarray] = []
    y_list: list[np.ndarray] = []
    for _ in range(max_iter):
        if np.abs(grad).max() < tol:
            break
        # two-loop recursion: direction = -H grad
        q = grad.copy()
        alphas = []
        for s_k, y_k in reversed(list(zip(s_list, y_list, strict=False))):
            rho = 1.0 / _dot(y_k, s_k)
            alpha = rho * _dot(s_k, q)
            q -= alpha * y_k
            alphas.append((rho, alpha))
        if s_list:
            q *= _dot(s_list[-1], y_list[-1]) / _dot(y_list[-1], y_list[-1])
        for (s_k, y_k), (rho, alpha) in zip(zip(s_list, y_list, strict=False), reversed(alphas), strict=False):
            beta = rho * _dot(y_k, q)
            q += (alpha - beta) * s_k
        direction = -q
        slope = _dot(grad, direction)
        if slope >= 0:  # not a descent direction: restart from steepest descent
            s_list.clear()
            y_list.clear()
            direction, slope = -grad, -_dot(grad, grad)
        step = 1.0 if s_list else 1.0 / max(1.0, float(np.abs(grad).max()))
        while True:
            candidate = theta + step * direction
            new_loss, new_grad = objective(candidate)
            if new_loss <= loss + 1e-4 * step * slope or step < 1e-10:
                break
            step *= 0.5
        s_k, y_k = candidate - theta, new_grad - grad
        if _dot(y_k, s_k) > 1e-10:
            s_list.append(s_k)
            y_list.append(y_k)
            if len(s_list) > memory:
                del s_list[0], y_list[0]
        converged = abs(loss - new_loss) <= tol * max(1.0, abs(loss))
        theta, loss, grad = candidate, new_loss, new_grad
        if converged:
            break
    return theta


def fit_softmax(X, y: np.ndarray, n_classes: int, C: float) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression: minimise sum of cross-entropy + ||W||^2 / (2C) (L-BFGS)."""
    n_features = X.shape[1]
    Y = np.zeros((X.shape[0], n_classes))
    Y[np.arange(X.shape[0]), y] = 1.0
    XT = X.T.tocsr() if hasattr(X, "tocsr") else np.ascontiguousarray(X.T)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        W = theta[: n_features * n_classes].reshape(n_features, n_classes)
        b = theta[n_features * n_classes :]
        logits = X @ W + b
        logits -= logits.max(axis=1, keepdims=True)
        log_z = np.log(np.exp(logits).sum(axis=1, keepdims=True))
        log_p = logits - log_z
        loss = -(Y * log_p).sum() + (W * W).sum() / (2 * C)
        diff = np.exp(log_p) - Y
        grad_w = XT @ diff + W / C
        return loss, np.concatenate([np.asarray(grad_w).ravel(), diff.sum(axis=0)])

    theta = _lbfgs(objective, np.zeros(n_features * n_classes + n_classes))
    W = theta[: n_features * n_classes].reshape(n_features, n_classes)
    return np.ascontiguousarray(W), theta[n_features * n_classes :]


class BuiltinIntentClassifier:
    """Lexical TF-IDF logistic regression, averaged with an embedding logistic regression when an
    `encoder` (the retriever's) is given. See the module docstring."""

    C = 20.0  # inverse L2 strength of the lexical head, as in scikit-learn's LogisticRegression(C=...)
    C_EMBEDDING = 30.0  # chosen by 5-fold cross-validation over nlu.yml (3, 10, 30)
    # Weight of the embedding head; lower for text typed without diacritics, where the embedding model
    # is weaker (5-fold CV over nlu.yml: 0.84 lexical only, 0.87 with these weights).
    EMBEDDING_WEIGHT = 0.5
    EMBEDDING_WEIGHT_UNMARKED = 0.3

    def __init__(
        self, examples: list[tuple[str, str]] | None = None, encoder=None, cache_dir: Path | None = None
    ) -> None:
        examples = examples if examples is not None else load_examples()
        self.classes: list[str] = sorted({intent for _, intent in examples})
        folded = [fold(text) for text, _ in examples]
        grams = [(_char_ngrams(text), _word_ngrams(text)) for text in folded]
        vocab: dict[str, int] = {}
        df: list[int] = []
        for pair in grams:
            for gram in set(pair[0]) | set(pair[1]):
                index = vocab.setdefault(gram, len(vocab))
                if index == len(df):
                    df.append(0)
                df[index] += 1
        self._vocab = vocab
        n = len(examples)
        self._idf = np.log((1.0 + n) / (1.0 + np.asarray(df, dtype=np.float64))) + 1.0
        rows = [self._vector(pair) for pair in grams]
        X = self._matrix(rows)
        y = np.asarray([self.classes.index(intent) for _, intent in examples])
        self._W, self._b = self._fit(X, y)
        self.encoder = encoder
        self._We = self._be = None
        if encoder is not None:
            embeddings = _training_embeddings(encoder, [text for text, _ in examples], cache_dir)
            self._We, self._be = fit_softmax(embeddings, y, len(self.classes), self.C_EMBEDDING)

    @property
    def uses_embeddings(self) -> bool:
        return self._We is not None

    def _proba(self, text: str, folded: str) -> np.ndarray:
        proba = self._lexical_proba(folded)
        if self._We is None:
            return proba
        # The encoder's query cache serves the retriever's lookup of the same text.
        vector = np.asarray(self.encoder.encode_queries([text]), dtype=np.float64)[0]
        logits = (vector[:, None] * self._We).sum(axis=0) + self._be
        exp = np.exp(logits - logits.max())
        weight = self.EMBEDDING_WEIGHT_UNMARKED if fold_diacritics(text) == text else self.EMBEDDING_WEIGHT
        return (1.0 - weight) * proba + weight * exp / exp.sum()

    def _vector(self, pair: tuple[list[str], list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Sparse tf-idf vector: char and word blocks each L2-normalised (as two stacked vectorizers)."""
        indices: list[int] = []
        values: list[float] = []
        for block in pair:
            counts: dict[int, int] = {}
            for gram in block:
                index = self._vocab.get(gram)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
            weights = tf * self._idf[idx]
            weights /= np.linalg.norm(weights)
            indices.extend(idx.tolist())
            values.extend(weights.tolist())
        return np.asarray(indices, dtype=np.int64), np.asarray(values, dtype=np.float64)

    def _matrix(self, rows):
        from scipy.sparse import csr_matrix

        indptr = np.cumsum([0] + [len(idx) for idx, _ in rows])
        indices = np.concatenate([idx for idx, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
        data = np.concatenate([val for _, val in rows]) if rows else np.zeros(0)
        return csr_matrix((data, indices, indptr), shape=(len(rows), len(self._vocab)))

    def _fit(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        return fit_softmax(X, y, len(self.classes), self.C)

    def _lexical_proba(self, folded: str) -> np.ndarray:
        idx, val = self._vector((_char_ngrams(folded), _word_ngrams(folded)))
        logits = self._b + ((val[:, None] * self._W[idx]).sum(axis=0) if len(idx) else 0.0)
        logits = logits - logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()

    def probabilities(self, text: str) -> dict[str, float]:
        proba = self._proba(text, fold(text))
        return {name: float(p) for name, p in zip(self.classes, proba, strict=False)}

    def predict(self, text: str) -> tuple[str, float]:
        folded = fold(text)
        if not folded:
            return "out_of_scope", 1.0
        proba = self._proba(text, folded)
        best = int(np.argmax(proba))
        name, confidence = self.classes[best], float(proba[best])
        if TRACKING_CODE.search(folded):
            return "check_status", max(confidence, 0.99) if name == "check_status" else 0.99
        return name, min(1.0, max(0.0, confidence))


def _training_embeddings(encoder, texts: list[str], cache_dir: Path | None) -> np.ndarray:
    """Embeddings of the training examples, cached on disk by (model id, examples)."""
    digest = hashlib.sha256("\n".join([encoder.model_id, *texts]).encode("utf-8")).hexdigest()[:16]
    name = f"intent-embeddings-{re.sub(r'[^A-Za-z0-9_.-]', '_', encoder.model_id)}-{digest}.npy"
    path = Path(cache_dir) / name if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            cached = np.load(path)
            if cached.shape[0] == len(texts):
                return cached
        except (OSError, ValueError):
            log.warning("Ignoring unreadable intent embedding cache %s", path)
    embeddings = np.vstack(
        [np.asarray(encoder.encode_queries(texts[i : i + 64]), dtype=np.float64) for i in range(0, len(texts), 64)]
    )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".intent-emb-", suffix=".npy", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, embeddings)
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            log.warning("Could not cache intent embeddings at %s", path)
    return embeddings


@lru_cache(maxsize=1)
def get_builtin_classifier() -> BuiltinIntentClassifier:
    """The lexical-only classifier (no embedding model); the Parser builds the fused one."""
    return BuiltinIntentClassifier()
