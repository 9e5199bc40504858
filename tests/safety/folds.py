"""`python -m tests.safety.folds`: the safety net read out of fold on its tuned part.

The tuned part (``dev``) cannot say how the net does on words it has not seen: the vocabulary
was tuned on it and the model learnt from it. Here its files are grouped by writer (``fresh12_*``
is one writer's set), the groups dealt into five folds, and each fold is read by the shipped
vocabulary with a model learnt from the other four, and its combiner learnt from those four
out of fold again (nested: five fits for each fold's combiner). That is how the model's
thresholds and the decision's constants were chosen; the held-out part is left alone for
reporting.

``--veto`` tries the veto the combiner replaced, at a threshold, and ``--alone`` another threshold
for the model heard alone, without learning again. Needs scikit-learn
(`make safety-model` installs it); takes a quarter of an hour.
"""

from __future__ import annotations

import argparse

from bot.safety.decide import Detector
from bot.safety.learned import Model
from bot.safety.vocabulary import load
from tests.safety.report import lines, measure
from tests.safety.train import FOLDS, fit, folds_of, writer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--veto", type=float, help="the model's veto threshold to try, in place of the combiner"
    )
    parser.add_argument("--alone", type=float, help="the model-alone threshold to try")
    args = parser.parse_args()
    corpus = lines("dev")
    fold_of = folds_of(corpus)
    vocabulary = load()
    totals = [0] * 6
    for fold in range(FOLDS):
        tuned = [line for line in corpus if fold_of[writer(line)] != fold]
        data = fit(tuned, combine=args.veto is None)
        if args.veto is not None:
            data["veto"] = args.veto
        if args.alone is not None:
            data["alone"] = args.alone
        net = Detector(vocabulary, Model(data))
        figures, _ = measure([ln for ln in corpus if fold_of[writer(ln)] == fold], net)
        counts = (
            figures.heard,
            figures.danger,
            figures.plans_acute,
            figures.plans,
            figures.false_alarms,
            figures.ordinary,
        )
        totals = [t + c for t, c in zip(totals, counts, strict=True)]
        print(f"fold {fold + 1}: {figures.recall:.1%} heard, {figures.false_alarm_rate:.1%} FA")
    heard, danger, plans_acute, plans, false_alarms, ordinary = totals
    print(
        f"out of fold: {heard / danger:.2%} of danger heard ({heard}/{danger}), "
        f"{plans_acute} of {plans} plans acute, "
        f"{false_alarms / ordinary:.2%} false alarms ({false_alarms}/{ordinary})"
    )


if __name__ == "__main__":
    main()
