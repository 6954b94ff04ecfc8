"""Fit the answerability model on the tuning questions, and print how it decides.

Run: .venv/bin/python benchmarks/decision.py [--show] [--holdout]
Only tuning data is read: the question sets of knowledge/eval/ and benchmarks/blind/first.yaml
(used to tune before). The other blind sets are never read here. With --holdout, every other
question of knowledge/eval/from-article.yaml (written blind from the article) is left out of
the fit and the figures are those of the left-out half: a check that the fit generalises.
A question whose top candidate is the fact it expects is a positive; any other top candidate
(and every out-of-scope question) a negative.
Prints the fitted weights, to be copied into bot/matching/weights.py, and the figures.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from bot.config import PROJECT_KNOWLEDGE
from bot.evaluation import load_questions, question_sets
from bot.factbase import EVAL_DIR, load
from bot.matching import Matcher
from bot.matching.answerability import Why, explain
from bot.replies import Answerer

TUNING = [
    *question_sets(PROJECT_KNOWLEDGE / EVAL_DIR),
    PROJECT_KNOWLEDGE.parent / "benchmarks" / "blind" / "first.yaml",
]
BLIND_WRITTEN = "from-article.yaml"  # the set written from the article alone, for --holdout
L2 = 1.0  # the penalty: a lighter one (0.1) fitted the own set's quirks (a positive weight on
# unexplained words) and did no better on the held-out half


Example = tuple[Why, int, str, bool]


def examples(
    matcher: Matcher, answerer: Answerer, paths: list[Path], half: int | None = None
) -> list[Example]:
    """(signals on the top candidate, label, question, in scope) for every question with a
    candidate; with `half` (0 or 1), only that half (every other question) of the set written
    from the article."""
    found = []
    for path in paths:
        cases = load_questions(path).cases
        if half is not None and path.name == BLIND_WRITTEN:
            cases = cases[half::2]
        for case in cases:
            _, analysis = matcher.read(case.question)
            ranked = matcher.rank(analysis) if analysis.content else []
            if not ranked:
                continue
            why = explain(matcher.index, analysis, ranked)
            expected = {answerer.answered_by(ident) for ident in case.expected}
            found.append((why, int(why.fact in expected), case.question, bool(expected)))
    return found


def fit(rows: list[tuple[tuple[float, ...], int]], l2: float = L2) -> tuple[list[float], float]:
    """Logistic regression by Newton's method, with a light L2 penalty (not on the intercept)."""
    size = len(rows[0][0]) + 1
    beta = [0.0] * size
    for _ in range(30):
        gradient = [0.0] * size
        hessian = [[0.0] * size for _ in range(size)]
        for features, label in rows:
            x = (1.0, *features)
            value = sum(b * v for b, v in zip(beta, x, strict=True))
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, value))))
            for i in range(size):
                gradient[i] += (p - label) * x[i]
                for j in range(size):
                    hessian[i][j] += p * (1 - p) * x[i] * x[j]
        for i in range(1, size):
            gradient[i] += l2 * beta[i]
            hessian[i][i] += l2
        step = _solve(hessian, gradient)
        beta = [b - s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return beta[1:], beta[0]


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """x with matrix @ x == vector, by Gaussian elimination with partial pivoting."""
    size = len(vector)
    rows = [[*row, value] for row, value in zip(matrix, vector, strict=True)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(size):
            if r != col and rows[col][col]:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [rows[i][size] / rows[i][i] if rows[i][i] else 0.0 for i in range(size)]


def main() -> int:
    """Fit, print the weights and the tuning figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", action="store_true", help="list the misclassified questions")
    parser.add_argument("--at", type=float, default=0.0, help="the threshold for --show")
    parser.add_argument(
        "--holdout", action="store_true", help="fit without half the article-written set"
    )
    args = parser.parse_args()
    base = load(PROJECT_KNOWLEDGE)
    matcher = Matcher(base)
    answerer = Answerer(base, matcher)
    found = examples(matcher, answerer, TUNING, 0 if args.holdout else None)
    rows = [(why.features(), label) for why, label, _, _ in found]
    weights, bias = fit(rows)
    if args.holdout:
        print("figures below: the held-out half only")
        found = examples(matcher, answerer, [PROJECT_KNOWLEDGE / EVAL_DIR / BLIND_WRITTEN], 1)
    print("model = (" + ", ".join(f"{w:.2f}" for w in weights) + ")")
    print(f"model_bias = {bias:.2f}")
    values = []
    for why, label, question, in_scope in found:
        value = bias + sum(w * x for w, x in zip(weights, why.features(), strict=True))
        values.append((value, label, in_scope))
        if args.show and (value >= args.at) != bool(label):
            print(f"  {'+' if label else '-'} {value:6.2f} {question!r}: {why.text()}")
    print(f"{sum(label for _, label, _, _ in found)} positives, {len(found)} examples")
    inside = sum(1 for _, _, _, scope in found if scope)
    outside = len(found) - inside
    print("threshold  positives answered  in scope wrong  out of scope answered")
    for step in range(-10, 31, 2):
        threshold = step / 10
        right = sum(1 for v, label, _ in values if label and v >= threshold)
        wrong = sum(1 for v, label, scope in values if scope and not label and v >= threshold)
        stray = sum(1 for v, _, scope in values if not scope and v >= threshold)
        print(
            f"{threshold:9.1f}  {right / inside:18.1%}  {wrong / inside:14.1%}  "
            f"{stray / max(outside, 1):21.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
