#!/usr/bin/env python3
"""Reference values for the Experiments target's statistics, written to statistics.json.

Regenerate (python3 with scipy and mpmath) from the repository's root:

    python3 Tests/ExperimentsTests/Fixtures/make_fixtures.py

and commit statistics.json with the script. StatisticsReferenceTests compares every value.

Each value comes from a route independent of the Swift code where one exists:
- Wilson intervals: scipy.stats.binomtest(...).proportion_ci(method="wilson").
- Two-proportion z-test: Pearson's chi-squared test of the 2x2 table without continuity
  correction (scipy.stats.chi2_contingency), whose statistic is z squared; z takes the sign of
  rate B - rate A. Where the table has an empty row or column the test is undefined and the
  Swift code answers z = 0, p = 1 (no evidence of a difference); so do these fixtures.
- Holm: the textbook definition, adjusted p_(i) = max over j <= i of min(1, (k - j + 1) p_(j)),
  evaluated term by term.
- mSPRT: the closed form at 50 digits with mpmath, checked here against a numerical integral
  of the mixture likelihood ratio (scipy.integrate.quad) over the N(0, tau^2) prior. Where the
  unpooled variance is 0 (both arms all-or-nothing) the pooled one stands in, and where that
  is 0 too Lambda = 1: the Swift code's conventions, not scipy's (which has no mSPRT).
"""

import json
import math
import os

import mpmath
from scipy import integrate, stats

mpmath.mp.dps = 50
TAU = 0.05

# (successes A, trials A, successes B, trials B): A is the control.
COMPARISONS = [
    (10, 100, 13, 100),  # small n
    (0, 50, 0, 50),  # zero successes in both arms
    (0, 50, 3, 50),  # zero successes in the control
    (50, 50, 50, 50),  # all successes in both arms
    (50, 50, 45, 50),  # all successes in the control
    (1, 1, 0, 1),  # one trial each
    (0, 500, 500, 500),  # nothing against everything
    (7, 9, 1, 12),  # small, unequal, a large difference
    (200, 2000, 260, 2000),  # a realistic push experiment
    (30, 400, 90, 1200),  # unequal sizes, same rate
    (500, 1000, 520, 1000),  # close rates
    (100, 10000, 300, 10000),  # a tiny p-value
    (100000, 1000000, 101500, 1000000),  # huge n
    (5000000, 50000000, 5010000, 50000000),  # huger n, a tenth of a point
]

HOLM = [
    [0.5],
    [0.01, 0.04, 0.03],
    [0.001, 0.2, 0.03, 0.04, 0.9],
    [0.02, 0.02, 0.02],
    [1.0, 1.0],
    [0.4, 0.6, 0.5],
    [0.04, 0.001, 0.012, 0.0125],
    [1e-12, 0.3, 2e-12],
]

# Reports: control first, then variants, as (name, openers, receivers).
REPORTS = [
    {"name": "three variants", "arms": [("A", 200, 2000), ("B", 260, 2000), ("C", 215, 2000), ("D", 240, 2000)]},
    {"name": "two variants, one empty", "arms": [("A", 120, 1000), ("B", 150, 1000), ("C", 0, 0)]},
]


def wilson(k, n):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return {"successes": k, "trials": n, "low": float(ci.low), "high": float(ci.high)}


def z_test(a, na, b, nb):
    table = [[a, na - a], [b, nb - b]]
    if min(a + b, na - a + nb - b) == 0:
        return 0.0, 1.0
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    difference = b / nb - a / na
    z = math.copysign(math.sqrt(chi2), difference) if difference != 0 else 0.0
    return z, float(p)


def msprt(a, na, b, nb, tau):
    """(log Lambda, p)."""
    pa, pb = mpmath.mpf(a) / na, mpmath.mpf(b) / nb
    d = pb - pa
    v = pa * (1 - pa) / na + pb * (1 - pb) / nb
    if v == 0:
        pooled = mpmath.mpf(a + b) / (na + nb)
        v = pooled * (1 - pooled) * (mpmath.mpf(1) / na + mpmath.mpf(1) / nb)
    t2 = mpmath.mpf(tau) ** 2
    if v == 0:
        return 0.0, 1.0
    log_lambda = mpmath.log(v / (v + t2)) / 2 + t2 * d * d / (2 * v * (v + t2))
    if log_lambda < 30:  # check the closed form against the mixture it stands for
        fv, fd = float(v), float(d)

        def integrand(theta):
            ratio = math.exp((2 * fd * theta - theta * theta) / (2 * fv))
            return ratio * stats.norm.pdf(theta, 0, tau)

        # The integrand's mass lies around the posterior mean of theta: integrate there.
        t2f = tau * tau
        mean, sd = fd * t2f / (fv + t2f), math.sqrt(fv * t2f / (fv + t2f))
        numeric, _ = integrate.quad(integrand, mean - 40 * sd, mean + 40 * sd, points=[mean], limit=500, epsabs=0, epsrel=1e-12)
        closed = float(mpmath.exp(log_lambda))
        assert abs(numeric - closed) <= 1e-7 * closed, (a, na, b, nb, numeric, closed)
    return float(log_lambda), float(min(1, mpmath.exp(-log_lambda)))


def holm(ps):
    k = len(ps)
    order = sorted(range(k), key=lambda i: (ps[i], i))
    adjusted = [0.0] * k
    for rank, i in enumerate(order):
        adjusted[i] = max(min(1.0, (k - j) * ps[order[j]]) for j in range(rank + 1))
    return adjusted


def comparison(a, na, b, nb, tau=TAU):
    z, p = z_test(a, na, b, nb)
    log_lambda, sequential_p = msprt(a, na, b, nb, tau)
    return {
        "successesA": a, "trialsA": na, "successesB": b, "trialsB": nb,
        "z": z, "pValue": p,
        "tau": tau, "logLikelihoodRatio": log_lambda, "sequentialPValue": sequential_p,
    }


def report(case):
    (control, ca, cn), *variants = case["arms"]
    arms = []
    for name, k, n in case["arms"]:
        arm = {"variant": name, "openers": k, "receivers": n, "interval": wilson(k, n) if n > 0 else None}
        if name != control and n > 0 and cn > 0:
            c = comparison(ca, cn, k, n)
            arm["pValue"], arm["sequentialPValue"] = c["pValue"], c["sequentialPValue"]
        arms.append(arm)
    tested = [arm for arm in arms if "pValue" in arm]
    # An arm without receivers takes part in the family with p = 1, as in the report.
    family = [arm.get("pValue", 1.0) for arm in arms[1:]]
    sequential_family = [arm.get("sequentialPValue", 1.0) for arm in arms[1:]]
    for arm, p, sp in zip(arms[1:], holm(family), holm(sequential_family)):
        if arm in tested:
            arm["correctedPValue"], arm["correctedSequentialPValue"] = p, sp
    return {"name": case["name"], "arms": arms}


def main():
    pairs = sorted({(a, na) for a, na, _, _ in COMPARISONS} | {(b, nb) for _, _, b, nb in COMPARISONS} | {(0, 1), (1, 1), (1, 3)})
    fixtures = {
        "generatedBy": "Tests/ExperimentsTests/Fixtures/make_fixtures.py with scipy " + __import__("scipy").__version__,
        "z95": float(stats.norm.ppf(0.975)),
        "wilson": [wilson(k, n) for k, n in pairs],
        "comparisons": [comparison(*c) for c in COMPARISONS] + [comparison(10, 100, 13, 100, tau=0.02), comparison(200, 2000, 260, 2000, tau=0.2)],
        "holm": [{"pValues": ps, "adjusted": holm(ps)} for ps in HOLM],
        "reports": [report(case) for case in REPORTS],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "statistics.json")
    with open(path, "w") as f:
        json.dump(fixtures, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
