"""`make safety-model`: learn the safety net's second opinion from the tuned part of the corpus.

Reads ``tests/safety/corpus/dev`` (never the held-out part), turns every message into the
features `bot.safety.learned.features` makes of the shipped reader's tokens, and fits two
logistic regressions with scikit-learn (installed by `make safety-model` only; druppel itself
reads the result with the standard library):

- danger or ordinary, over every message (classes weighed equally);
- which category, over the danger messages.

Terms must occur in two messages at least; counts are made sublinear and weighed by idf, as
`bot.safety.learned.Model` reads them. The result is written to ``bot/safety/model.json`` with
the digest of the corpus it learnt from.

The two thresholds are fixed here, not fitted on every run. They were chosen on out-of-fold
predictions for the corpus files the rules had not been tuned on (the `fresh_*` files, when
they were new): a rule's concern stands unless the model is below `VETO`; the model alone is
heard above `ALONE`. That pair heard more danger than the rules alone with fewer false alarms.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.safety.decide import Detector
from bot.safety.learned import FEATURES_VERSION, corpus_digest, features, model_path
from bot.safety.vocabulary import CATEGORIES, load
from tests.safety.report import CORPUS, lines

VETO = 0.1
ALONE = 0.7
#: Inverse regularisation strength of both regressions.
STRENGTH = 10.0
#: Weights smaller than this are left out of the file: they change no decision.
SMALLEST = 1e-4


def train(out: Path) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    net = Detector(load(), rules_only=True)
    corpus = lines("dev")
    feats = [features(net.tokens(line.text)) for line in corpus]
    danger = [line.tier != "none" for line in corpus]
    vectors = TfidfVectorizer(analyzer=_same, min_df=2, sublinear_tf=True)
    matrix = vectors.fit_transform(feats)
    binary = LogisticRegression(C=STRENGTH, max_iter=5000, class_weight="balanced")
    binary.fit(matrix, danger)
    rows = [i for i, d in enumerate(danger) if d]
    categories = LogisticRegression(C=STRENGTH, max_iter=5000, class_weight="balanced")
    categories.fit(matrix[rows], [corpus[i].category for i in rows])
    named = [str(c) for c in categories.classes_]
    assert set(named) <= set(CATEGORIES), named
    weights: dict[str, list[float]] = {}
    for name, column in sorted(vectors.vocabulary_.items()):
        row = [float(binary.coef_[0][column])] + [
            float(categories.coef_[k][column]) for k in range(len(named))
        ]
        if max(abs(w) for w in row) < SMALLEST:
            continue
        weights[name] = [round(float(vectors.idf_[column]), 5)] + [round(w, 5) for w in row]
    data = {
        "features_version": FEATURES_VERSION,
        "corpus": corpus_digest((CORPUS / "dev").glob("*.tsv")),
        "messages": len(corpus),
        "veto": VETO,
        "alone": ALONE,
        "intercept": round(float(binary.intercept_[0]), 5),
        "categories": named,
        "category_intercepts": [round(float(x), 5) for x in categories.intercept_],
        "weights": weights,
    }
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"learnt from {len(corpus)} messages, {len(weights)} features -> {out}")
    return data


def _same(x: list[str]) -> list[str]:
    return x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=model_path())
    train(parser.parse_args().out)


if __name__ == "__main__":
    main()
