"""Problem classifier: is a clause a problem statement, and which categories does it belong to.

Two linear models over the same features (character n-gram TF-IDF plus taxonomy cue-word hits):

* a **detector** (problem vs not: measures, achievements, suggestions, plans, background …);
* a **categorizer**, one-vs-rest over the 19 taxonomy codes (top-1 always, more labels above a
  calibrated threshold, at most three).

Scores are calibrated with Platt scaling on out-of-fold decision values. Everything the predictor
needs is saved as JSON and ``.npz`` arrays (``allow_pickle=False``): the vocabulary, the idf
weights, the coefficients and the calibration. Loading never unpickles anything, and prediction
needs only numpy and scipy; scikit-learn is used for training and evaluation.

Example:
    >>> clf = ProblemClassifier.train(rows)                       # doctest: +SKIP
    >>> clf.save("models/problem_clf")                            # doctest: +SKIP
    >>> ProblemClassifier.load("models/problem_clf").predict(["雨污管网破损严重"])  # doctest: +SKIP
    [(['pipelines'], [0.93], 0.97)]
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
from scipy import sparse

from .errors import AnalyzerError
from .normalize import _data_path, load_toml

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
MODEL_ENV = "ANALYZER_MODEL_DIR"
MODELS_ROOT = Path(__file__).resolve().parents[1] / "models"
MODEL_NAME = "problem_clf"
DEFAULT_DATA = Path(__file__).resolve().parents[1] / "corpora" / "labels" / "problems.jsonl"

# Files of a saved model.
META_FILE = "meta.json"
VOCAB_FILE = "vocab.json"
WEIGHTS_FILE = "weights.npz"

# Hyper-parameters, chosen by cross-validation on corpora/labels/problems.jsonl (see README of
# the model in meta.json["params"]); changing one changes the model, so they are recorded.
DEFAULT_PARAMS: dict[str, Any] = {
    "ngram_min": 1,
    "ngram_max": 3,
    "min_df": 2,
    "max_features": 30000,
    "cue_weight": 0.5,         # value of a cue-hit feature (the TF-IDF row has unit norm)
    "det_C": 4.0,              # inverse regularization of the detector
    "cat_C": 8.0,              # inverse regularization of each category model
    "calib_folds": 5,          # folds of the out-of-fold decisions used for Platt scaling
    "extra_threshold": 0.45,   # calibrated probability for a second or third label
    "max_labels": 3,
}


class ModelMissing(AnalyzerError):
    """No trained problem classifier where one was expected."""


# ---------------------------------------------------------------------------
# Taxonomy
# ---------------------------------------------------------------------------


@lru_cache(maxsize=None)
def taxonomy() -> dict:
    """The parsed ``data/taxonomy.toml``."""
    return load_toml("taxonomy.toml")


def category_ids() -> list[str]:
    """Taxonomy codes in output order."""
    return [c["id"] for c in taxonomy()["category"]]


def category_labels() -> dict[str, str]:
    """Code → 中文 label."""
    return {c["id"]: c["label"] for c in taxonomy()["category"]}


@lru_cache(maxsize=None)
def taxonomy_hash() -> str:
    """sha256 of the taxonomy file's bytes."""
    return hashlib.sha256(_data_path("taxonomy.toml").read_bytes()).hexdigest()


def cue_groups() -> dict[str, list[str]]:
    """Cue-word lists that become features: detection cues and one list per category."""
    tax = taxonomy()
    groups = {"@problem": list(tax["detection"]["problem_cues"]),
              "@non_problem": list(tax["detection"]["non_problem_cues"])}
    for cat in tax["category"]:
        groups[cat["id"]] = list(cat["cues"])
    return groups


# ---------------------------------------------------------------------------
# Features
# ---------------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]+(?:[.,][0-9]+)*|(?<![A-Za-z])[Xx×＊*]{1,4}(?![A-Za-z])")
_SPACE = re.compile(r"\s+")


def prep(text: str) -> str:
    """The form of a clause the features are taken from.

    Width-folded, spaces removed, every number (and a placeholder ``X``/``XX``) replaced by
    ``0``, wrapped in ``^…$`` so that n-grams see where a clause starts and ends.

    >>> prep("截至10月底，X楼等 5 个小区尚未启动")
    '^截至0月底，0楼等0个小区尚未启动$'
    """
    t = unicodedata.normalize("NFKC", text)
    t = _SPACE.sub("", t)
    t = _DIGITS.sub("0", t)
    # NFKC turns full-width punctuation into ASCII; bring back the Chinese forms used in training.
    t = t.replace(",", "，").replace(":", "：").replace(";", "；").replace("(", "（").replace(")", "）")
    return f"^{t}$"


def char_ngrams(t: str, lo: int, hi: int) -> list[str]:
    """All character n-grams of ``t`` with lo ≤ n ≤ hi.

    >>> char_ngrams("^漏水$", 2, 2)
    ['^漏', '漏水', '水$']
    """
    out = []
    n_chars = len(t)
    for n in range(lo, hi + 1):
        out.extend(t[i:i + n] for i in range(n_chars - n + 1))
    return out


@dataclass
class Featurizer:
    """Character n-gram TF-IDF (sublinear tf, smooth idf, unit norm) plus cue-hit columns.

    Implemented here rather than with scikit-learn's vectorizer so that a saved model is plain
    data (the n-gram list and the idf array) and prediction needs no scikit-learn.
    """

    ngram_min: int = 1
    ngram_max: int = 3
    min_df: int = 2
    max_features: int = 30000
    cue_weight: float = 0.5
    vocab: dict[str, int] = field(default_factory=dict)
    idf: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cues: dict[str, list[str]] = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return len(self.vocab) + len(self.cues)

    def fit(self, texts: Sequence[str]) -> "Featurizer":
        df: Counter = Counter()
        for text in texts:
            df.update(set(char_ngrams(prep(text), self.ngram_min, self.ngram_max)))
        kept = [(g, c) for g, c in df.items() if c >= self.min_df]
        # Most frequent first, ties by the n-gram itself: the order is deterministic.
        kept.sort(key=lambda gc: (-gc[1], gc[0]))
        kept = kept[: self.max_features]
        kept.sort(key=lambda gc: gc[0])
        self.vocab = {g: i for i, (g, _) in enumerate(kept)}
        n_docs = len(texts)
        self.idf = np.array([math.log((1 + n_docs) / (1 + c)) + 1.0 for _, c in kept], dtype=np.float64)
        if not self.cues:
            self.cues = cue_groups()
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        vocab, idf = self.vocab, self.idf
        n_vocab = len(vocab)
        cue_items = list(self.cues.values())
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in texts:
            t = prep(text)
            counts = Counter(g for g in char_ngrams(t, self.ngram_min, self.ngram_max) if g in vocab)
            cols = [vocab[g] for g in counts]
            vals = np.array([1.0 + math.log(c) for c in counts.values()], dtype=np.float64)
            if cols:
                vals *= idf[cols]
                vals /= np.sqrt((vals * vals).sum())
            indices.extend(cols)
            data.extend(vals.tolist())
            for j, words in enumerate(cue_items):
                if any(w in text for w in words):
                    indices.append(n_vocab + j)
                    data.append(self.cue_weight)
            indptr.append(len(indices))
        return sparse.csr_matrix((np.array(data, dtype=np.float64), np.array(indices, dtype=np.int64),
                                  np.array(indptr, dtype=np.int64)), shape=(len(texts), self.n_features))


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def load_rows(path: str | Path = DEFAULT_DATA) -> list[dict]:
    """Rows of a labelled JSONL file (``corpora/labels/problems.jsonl``)."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise AnalyzerError(f"{path} 第 {i} 行不是合法的 JSON：{exc}") from exc
    return rows


def rows_hash(rows: Iterable[dict]) -> str:
    """sha256 of the training rows in a canonical form (independent of file layout and order)."""
    canon = sorted(json.dumps({"text": r["text"], "problem": bool(r["problem"]), "labels": list(r.get("labels") or [])},
                              ensure_ascii=False, sort_keys=True) for r in rows)
    return hashlib.sha256("\n".join(canon).encode("utf-8")).hexdigest()


def _canonical(rows: Iterable[dict]) -> list[dict]:
    """Rows sorted by text, so training does not depend on the order of the file."""
    return sorted(rows, key=lambda r: (r["text"], r.get("id", "")))


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


def _platt(decisions: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(a, b) with P(y=1) = sigmoid(a·d + b), fitted on out-of-fold decisions."""
    from sklearn.linear_model import LogisticRegression

    if len(set(y.tolist())) < 2:
        return 1.0, 0.0
    lr = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000)
    lr.fit(decisions.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _fit_linear(X, y: np.ndarray, C: float, seed: int) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    if len(set(y.tolist())) < 2:  # a fold without positives: a constant model
        return np.zeros(X.shape[1]), (10.0 if y.size and y[0] else -10.0)
    lr = LogisticRegression(C=C, solver="liblinear", class_weight="balanced", random_state=seed, max_iter=1000)
    lr.fit(X, y)
    return lr.coef_[0].astype(np.float64), float(lr.intercept_[0])


@dataclass
class ProblemClassifier:
    """Detector plus multi-label categorizer; see the module docstring."""

    featurizer: Featurizer
    labels: list[str]
    det_coef: np.ndarray
    det_intercept: float
    det_calib: tuple[float, float]
    cat_coef: np.ndarray  # (n_labels, n_features)
    cat_intercept: np.ndarray
    cat_calib: np.ndarray  # (n_labels, 2)
    params: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PARAMS))
    meta: dict[str, Any] = field(default_factory=dict)

    # -- training ---------------------------------------------------------

    @classmethod
    def train(cls, rows: Sequence[dict], seed: int = 0, params: dict[str, Any] | None = None) -> "ProblemClassifier":
        """Fit detector and categorizer on labelled rows (``text``, ``problem``, ``labels``).

        Deterministic: the same rows (in any order) and seed give the same weights.
        """
        params = {**DEFAULT_PARAMS, **(params or {})}
        rows = _canonical(rows)
        labels = category_ids()
        texts = [r["text"] for r in rows]
        feat = Featurizer(ngram_min=params["ngram_min"], ngram_max=params["ngram_max"], min_df=params["min_df"],
                          max_features=params["max_features"], cue_weight=params["cue_weight"]).fit(texts)
        X = feat.transform(texts)
        y_det = np.array([1 if r["problem"] else 0 for r in rows])
        prob_idx = np.flatnonzero(y_det)
        Y = _label_matrix([rows[i] for i in prob_idx], labels)
        Xp = X[prob_idx]

        det_coef, det_b = _fit_linear(X, y_det, params["det_C"], seed)
        cat_coef = np.zeros((len(labels), X.shape[1]))
        cat_b = np.zeros(len(labels))
        for k in range(len(labels)):
            cat_coef[k], cat_b[k] = _fit_linear(Xp, Y[:, k], params["cat_C"], seed)

        # Platt scaling on out-of-fold decisions.
        det_oof, cat_oof = _oof_decisions(X, y_det, prob_idx, Y, params, seed)
        det_calib = _platt(det_oof, y_det)
        cat_calib = np.array([_platt(cat_oof[:, k], Y[:, k]) for k in range(len(labels))])

        return cls(featurizer=feat, labels=labels, det_coef=det_coef, det_intercept=det_b, det_calib=det_calib,
                   cat_coef=cat_coef, cat_intercept=cat_b, cat_calib=cat_calib, params=params,
                   meta={"n_rows": len(rows), "n_problems": int(len(prob_idx)), "data_sha256": rows_hash(rows),
                         "seed": seed})

    # -- prediction -------------------------------------------------------

    def _features(self, texts: Sequence[str]):
        return self.featurizer.transform(list(texts))

    def problem_proba(self, texts: Sequence[str], X=None) -> np.ndarray:
        """Calibrated probability that each clause states a problem."""
        X = self._features(texts) if X is None else X
        a, b = self.det_calib
        return _sigmoid(a * (X @ self.det_coef + self.det_intercept) + b)

    def category_proba(self, texts: Sequence[str], X=None) -> np.ndarray:
        """Calibrated probability of every category for each clause, shape (n, n_labels)."""
        X = self._features(texts) if X is None else X
        d = np.asarray(X @ self.cat_coef.T) + self.cat_intercept
        return _sigmoid(self.cat_calib[:, 0] * d + self.cat_calib[:, 1])

    def choose_labels(self, probs: np.ndarray) -> tuple[list[str], list[float]]:
        """Top-1 always; a second and third label when their probability reaches the threshold."""
        order = np.argsort(-probs, kind="stable")
        chosen = [int(order[0])]
        for k in order[1: self.params["max_labels"]]:
            if probs[k] >= self.params["extra_threshold"]:
                chosen.append(int(k))
        return [self.labels[k] for k in chosen], [round(float(probs[k]), 4) for k in chosen]

    def predict(self, texts: Sequence[str]) -> list[tuple[list[str], list[float], float]]:
        """(labels, their scores, problem probability) for each clause.

        >>> clf = default_model()
        >>> labels, scores, p = clf.predict(["雨污管道破损，化粪池长期淤堵"])[0]
        >>> labels[0], p > 0.5
        ('pipelines', True)
        """
        texts = list(texts)
        if not texts:
            return []
        X = self._features(texts)
        det = self.problem_proba(texts, X)
        cat = self.category_proba(texts, X)
        out = []
        for i in range(len(texts)):
            labels, scores = self.choose_labels(cat[i])
            out.append((labels, scores, round(float(det[i]), 4)))
        return out

    # -- persistence ------------------------------------------------------

    def save(self, directory: str | Path, extra_meta: dict[str, Any] | None = None) -> Path:
        """Write ``meta.json``, ``vocab.json`` and ``weights.npz`` (no pickle) into ``directory``."""
        import sklearn

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        feat = self.featurizer
        vocab_list = [None] * len(feat.vocab)
        for g, i in feat.vocab.items():
            vocab_list[i] = g
        meta = {
            "format_version": FORMAT_VERSION,
            "kind": "analyzer.problem_classifier",
            "labels": self.labels,
            "taxonomy_version": taxonomy().get("version"),
            "taxonomy_sha256": taxonomy_hash(),
            "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__,
                         "scipy": __import__("scipy").__version__},
            "params": self.params,
            "featurizer": {"ngram_min": feat.ngram_min, "ngram_max": feat.ngram_max, "min_df": feat.min_df,
                           "max_features": feat.max_features, "cue_weight": feat.cue_weight,
                           "n_ngrams": len(feat.vocab), "cues": feat.cues},
            "det_calib": list(self.det_calib),
            "det_intercept": self.det_intercept,
            **self.meta,
            **(extra_meta or {}),
        }
        with open(directory / META_FILE, "w", encoding="utf-8") as fh:
            json.dump(meta, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.write("\n")
        with open(directory / VOCAB_FILE, "w", encoding="utf-8") as fh:
            json.dump(vocab_list, fh, ensure_ascii=False, separators=(",", ":"))
        # float32 weights keep the model small; predictions differ from float64 by < 1e-6.
        # Written uncompressed: zip timestamps would make two identical models differ byte-wise.
        np.savez(directory / WEIGHTS_FILE,
                 idf=feat.idf.astype(np.float32),
                 det_coef=self.det_coef.astype(np.float32),
                 cat_coef=self.cat_coef.astype(np.float32),
                 cat_intercept=self.cat_intercept.astype(np.float64),
                 cat_calib=self.cat_calib.astype(np.float64))
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> "ProblemClassifier":
        """Rebuild a saved classifier from JSON and ``.npz`` arrays, never unpickling anything."""
        directory = Path(directory)
        paths = [directory / n for n in (META_FILE, VOCAB_FILE, WEIGHTS_FILE)]
        missing = [p.name for p in paths if not p.exists()]
        if missing:
            raise ModelMissing(f"在 {directory} 没有找到问题分类模型（缺少 {', '.join(missing)}）。"
                               f"请先运行 `analyzer train` 训练模型，或用环境变量 {MODEL_ENV} 指定模型目录。")
        with open(paths[0], encoding="utf-8") as fh:
            meta = json.load(fh)
        if meta.get("format_version") != FORMAT_VERSION:
            raise ModelMissing(f"{directory} 中的模型格式版本为 {meta.get('format_version')}，本程序需要 "
                               f"{FORMAT_VERSION}。请运行 `analyzer train` 重新训练。")
        with open(paths[1], encoding="utf-8") as fh:
            vocab_list = json.load(fh)
        with np.load(paths[2], allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        if meta["labels"] != category_ids():
            logger.warning("模型的类别与当前分类体系不一致，请运行 `analyzer train` 重新训练")
        elif meta.get("taxonomy_sha256") != taxonomy_hash():
            logger.info("taxonomy.toml changed since the model was trained (cue lists in the model are used)")
        f = meta["featurizer"]
        feat = Featurizer(ngram_min=f["ngram_min"], ngram_max=f["ngram_max"], min_df=f["min_df"],
                          max_features=f["max_features"], cue_weight=f["cue_weight"],
                          vocab={g: i for i, g in enumerate(vocab_list)},
                          idf=arrays["idf"].astype(np.float64), cues=f["cues"])
        return cls(featurizer=feat, labels=list(meta["labels"]),
                   det_coef=arrays["det_coef"].astype(np.float64), det_intercept=float(meta["det_intercept"]),
                   det_calib=tuple(meta["det_calib"]),
                   cat_coef=arrays["cat_coef"].astype(np.float64),
                   cat_intercept=arrays["cat_intercept"].astype(np.float64),
                   cat_calib=arrays["cat_calib"].astype(np.float64),
                   params=dict(meta.get("params", DEFAULT_PARAMS)), meta=meta)


def _label_matrix(rows: Sequence[dict], labels: list[str]) -> np.ndarray:
    index = {c: k for k, c in enumerate(labels)}
    Y = np.zeros((len(rows), len(labels)), dtype=np.int64)
    for i, r in enumerate(rows):
        for c in r.get("labels") or []:
            if c in index:
                Y[i, index[c]] = 1
    return Y


def _fold_ids(n: int, folds: int, seed: int, strata: Sequence[Any] | None = None) -> np.ndarray:
    """Fold number of each item: stratified by ``strata`` when given, shuffled with ``seed``."""
    rng = np.random.RandomState(seed)
    out = np.zeros(n, dtype=np.int64)
    groups: dict[Any, list[int]] = {}
    for i in range(n):
        groups.setdefault(strata[i] if strata is not None else 0, []).append(i)
    offset = 0
    for key in sorted(groups, key=str):
        idx = np.array(groups[key])
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            out[i] = (j + offset) % folds
        offset += len(idx)
    return out


def _oof_decisions(X, y_det, prob_idx, Y, params, seed):
    """Out-of-fold decision values of the detector (all rows) and categorizer (problem rows)."""
    folds = params["calib_folds"]
    det = np.zeros(X.shape[0])
    fid = _fold_ids(X.shape[0], folds, seed, y_det.tolist())
    for f in range(folds):
        tr, te = fid != f, fid == f
        w, b = _fit_linear(X[tr], y_det[tr], params["det_C"], seed)
        det[te] = X[te] @ w + b
    Xp = X[prob_idx]
    cat = np.zeros(Y.shape)
    fidp = _fold_ids(Xp.shape[0], folds, seed, Y.argmax(1).tolist())
    for f in range(folds):
        tr, te = fidp != f, fidp == f
        for k in range(Y.shape[1]):
            w, b = _fit_linear(Xp[tr], Y[tr, k], params["cat_C"], seed)
            cat[te, k] = Xp[te] @ w + b
    return det, cat


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def _primary(row: dict) -> str:
    return (row.get("labels") or ["-"])[0]


def score_predictions(rows: Sequence[dict], det_prob: np.ndarray, pred_labels: Sequence[list[str]],
                      labels: list[str], det_threshold: float = 0.5) -> dict[str, Any]:
    """Detection P/R/F1 on all rows; category scores on the gold problem rows."""
    gold = np.array([bool(r["problem"]) for r in rows])
    pred = det_prob >= det_threshold
    tp = int((gold & pred).sum())
    fp = int((~gold & pred).sum())
    fn = int((gold & ~pred).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0

    prob_rows = [(row, pl) for row, pl in zip(rows, pred_labels) if row["problem"]]
    top1_any = sum(1 for row, pl in prob_rows if pl and pl[0] in (row.get("labels") or []))
    top1_primary = sum(1 for row, pl in prob_rows if pl and pl[0] == _primary(row))
    per_cat = {}
    for c in labels:
        ctp = sum(1 for row, pl in prob_rows if c in pl and c in (row.get("labels") or []))
        cfp = sum(1 for row, pl in prob_rows if c in pl and c not in (row.get("labels") or []))
        cfn = sum(1 for row, pl in prob_rows if c not in pl and c in (row.get("labels") or []))
        cp = ctp / (ctp + cfp) if ctp + cfp else 0.0
        cr = ctp / (ctp + cfn) if ctp + cfn else 0.0
        per_cat[c] = {"precision": cp, "recall": cr, "f1": 2 * cp * cr / (cp + cr) if cp + cr else 0.0,
                      "support": ctp + cfn}
    n = len(prob_rows)
    exact = sum(1 for row, pl in prob_rows if set(pl) == set(row.get("labels") or []))
    return {
        "n_rows": len(rows), "n_problems": n,
        "detection": {"precision": p, "recall": r, "f1": f1, "tp": tp, "fp": fp, "fn": fn},
        "top1_accuracy": top1_any / n if n else 0.0,
        "top1_primary_accuracy": top1_primary / n if n else 0.0,
        "exact_match": exact / n if n else 0.0,
        "macro_f1": float(np.mean([v["f1"] for v in per_cat.values()])) if per_cat else 0.0,
        "per_category": per_cat,
    }


def _evaluate_split(train_rows, test_rows, seed, params):
    clf = ProblemClassifier.train(train_rows, seed=seed, params=params)
    texts = [r["text"] for r in test_rows]
    preds = clf.predict(texts)
    return clf, np.array([p[2] for p in preds]), [p[0] for p in preds]


def cross_validate(rows: Sequence[dict], folds: int = 5, seed: int = 0,
                   params: dict[str, Any] | None = None) -> dict[str, Any]:
    """k-fold cross-validated scores (stratified on problem/primary label), pooled over folds."""
    started = time.perf_counter()
    rows = _canonical(rows)
    strata = [_primary(r) if r["problem"] else "neg:" + str(r.get("kind")) for r in rows]
    fid = _fold_ids(len(rows), folds, seed, strata)
    det = np.zeros(len(rows))
    pred: list[list[str]] = [[] for _ in rows]
    for f in range(folds):
        tr = [r for r, k in zip(rows, fid) if k != f]
        te_idx = [i for i, k in enumerate(fid) if k == f]
        _, d, p = _evaluate_split(tr, [rows[i] for i in te_idx], seed, params)
        for j, i in enumerate(te_idx):
            det[i], pred[i] = d[j], p[j]
    out = score_predictions(rows, det, pred, category_ids())
    out.update({"method": f"{folds}-fold cross-validation", "folds": folds, "seed": seed,
                "seconds": round(time.perf_counter() - started, 2)})
    return out


def holdout(rows: Sequence[dict], test_share: float = 0.2, seed: int = 0,
            params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Scores on a stratified held-out share of the rows, the rest used for training."""
    started = time.perf_counter()
    rows = _canonical(rows)
    strata = [_primary(r) if r["problem"] else "neg:" + str(r.get("kind")) for r in rows]
    n_parts = max(2, round(1 / test_share))
    fid = _fold_ids(len(rows), n_parts, seed + 1, strata)
    train = [r for r, k in zip(rows, fid) if k != 0]
    test = [r for r, k in zip(rows, fid) if k == 0]
    _, det, pred = _evaluate_split(train, test, seed, params)
    out = score_predictions(test, det, pred, category_ids())
    out.update({"method": f"held-out {len(test)} of {len(rows)} rows", "seed": seed,
                "seconds": round(time.perf_counter() - started, 2)})
    return out


def evaluate(data: str | Path = DEFAULT_DATA, folds: int = 5, seed: int = 0, test_share: float = 0.2) -> dict[str, Any]:
    """Cross-validated and held-out scores of the classifier on a labelled file (``analyzer eval problems``)."""
    rows = load_rows(data)
    return {"data": str(data), "data_sha256": rows_hash(rows), "rows": len(rows),
            "cross_validation": cross_validate(rows, folds=folds, seed=seed),
            "holdout": holdout(rows, test_share=test_share, seed=seed)}


def _fmt_block(title: str, s: dict[str, Any]) -> list[str]:
    d = s["detection"]
    return [
        f"{title}（{s['method']}，问题句 {s['n_problems']} / 共 {s['n_rows']} 句）",
        f"  问题检出    精确率 P={d['precision']:.3f}  召回率 R={d['recall']:.3f}  F1={d['f1']:.3f}"
        f"  (TP={d['tp']} FP={d['fp']} FN={d['fn']})",
        f"  类别        首选类别准确率 top-1={s['top1_accuracy']:.3f}（与主标签一致 {s['top1_primary_accuracy']:.3f}）"
        f"  宏平均 F1={s['macro_f1']:.3f}  完全一致率={s['exact_match']:.3f}",
    ]


def format_eval(result: dict[str, Any]) -> str:
    """Plain-text report of :func:`evaluate` (or of one :func:`cross_validate` dict)."""
    labels = category_labels()
    blocks = {"cross_validation": "交叉验证", "holdout": "留出集"}
    parts = []
    if "detection" in result:  # a single score dict
        result = {"cross_validation": result}
    if "data" in result:
        parts.append(f"数据：{result['data']}（{result['rows']} 句，sha256 {result['data_sha256'][:12]}…）")
    for key, title in blocks.items():
        if key in result:
            parts.extend(_fmt_block(title, result[key]))
    main = result.get("cross_validation") or result.get("holdout")
    if main:
        parts.append("各类别（交叉验证）：代码  中文  P  R  F1  样本数")
        for code, v in main["per_category"].items():
            parts.append(f"  {code:<17}{labels.get(code, code):<14}{v['precision']:.3f}  {v['recall']:.3f}"
                         f"  {v['f1']:.3f}  {v['support']}")
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# Training entry point and the default model
# ---------------------------------------------------------------------------


def train_from_file(data: str | Path = DEFAULT_DATA, out: str | Path | None = None, seed: int = 0,
                    folds: int = 5) -> tuple[ProblemClassifier, dict[str, Any]]:
    """``analyzer train``: cross-validate, fit on all rows, save to ``out`` (default ``models/problem_clf``).

    Returns the classifier and a summary dict (scores, seconds, where it was saved, size in bytes).
    """
    out = Path(out) if out else model_dir()
    data = Path(data)
    rows = load_rows(data)
    started = time.perf_counter()
    cv = cross_validate(rows, folds=folds, seed=seed)
    t_fit = time.perf_counter()
    clf = ProblemClassifier.train(rows, seed=seed)
    fit_seconds = time.perf_counter() - t_fit
    cv_brief = {k: cv[k] for k in ("method", "top1_accuracy", "top1_primary_accuracy", "macro_f1", "exact_match")}
    cv_brief["detection"] = {k: round(v, 4) if isinstance(v, float) else v for k, v in cv["detection"].items()}
    cv_brief = {k: round(v, 4) if isinstance(v, float) else v for k, v in cv_brief.items()}
    clf.save(out, extra_meta={"data_file": data.name, "data_file_sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
                              "cv_scores": cv_brief})
    size = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    summary = {"out": str(out), "rows": len(rows), "cv": cv, "fit_seconds": round(fit_seconds, 2),
               "total_seconds": round(time.perf_counter() - started, 2), "size_bytes": size}
    _default_cache.clear()
    return clf, summary


def format_train(summary: dict[str, Any]) -> str:
    """Plain-text report of :func:`train_from_file`."""
    return "\n".join([
        f"训练完成：{summary['rows']} 句，拟合用时 {summary['fit_seconds']:.1f} 秒，总用时 {summary['total_seconds']:.1f} 秒",
        f"模型目录：{summary['out']}（{summary['size_bytes'] / 1024:.0f} KB）",
        format_eval(summary["cv"]),
    ])


def model_dir() -> Path:
    """Where the default model lives: ``models/problem_clf`` at the repository root.

    ``$ANALYZER_MODEL_DIR`` replaces ``models/``; it may also point at a model directory itself.
    """
    env = os.environ.get(MODEL_ENV)
    if not env:
        return MODELS_ROOT / MODEL_NAME
    root = Path(env)
    return root if (root / META_FILE).exists() else root / MODEL_NAME


_default_cache: dict[str, ProblemClassifier] = {}
_default_lock = threading.Lock()


def default_model() -> ProblemClassifier:
    """The default model, loaded once per process (and per model directory)."""
    key = str(model_dir())
    with _default_lock:
        if key not in _default_cache:
            _default_cache[key] = ProblemClassifier.load(key)
        return _default_cache[key]
