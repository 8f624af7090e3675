#!/usr/bin/env python3
"""Writes the stress tester's big-day fixtures (run from the repository root):

    python3 examples/stress/make_fixtures.py

fixtures/stress_50_banks.yaml: 50 banks of Zipf-like sizes (bank i weighs
1 / (i + 1)^0.8), each sending in proportion to its size to the others in
proportion to theirs, over one day of 100 ticks (about 5,000 payments). Each
bank's liquidity is a small balance and collateral posted with the central bank
(credit after a 10% haircut), both in proportion to its size: the day runs on
collateral, so a fall in its value bites.

fixtures/stress_100_banks.yaml: the same day with 100 banks (about 10,000
payments), every bank paying the others equally, for timing `--outage each`.

Only integers and short decimals are written, so the files do not depend on
this script's floating point beyond the printed digits.
"""

import pathlib

TICKS = 100
PAYMENTS_PER_BANK = 100
MEDIAN_CENTS = 1_000_000
SIGMA = 1.0
# Mean of the log-normal amount: median x e^(sigma^2 / 2).
MEAN_CENTS = MEDIAN_CENTS * 1.6487
BALANCE_SHARE = 0.02
COLLATERAL_SHARE = 0.12


def sizes(n):
    weights = [1.0 / (i + 1) ** 0.8 for i in range(n)]
    total = sum(weights)
    return [w / total for w in weights]


def bank_id(i):
    return f"BANK_{i:03d}"


def day(n, weighted, seed, comment):
    share = sizes(n)
    payments = PAYMENTS_PER_BANK * n
    lines = [comment]
    lines.append(f"simulation: {{ ticks_per_day: {TICKS}, num_days: 1, seed: {seed} }}")
    lines.append("costs: { delay_cost_per_tick_bps: 1, deadline_penalty: 10000, eod_penalty: 100000 }")
    lines.append("agents:")
    for i in range(n):
        daily_value = payments * share[i] * MEAN_CENTS
        balance = round(daily_value * BALANCE_SHARE)
        collateral = round(daily_value * COLLATERAL_SHARE)
        rate = round(payments * share[i] / TICKS, 4)
        lines.append(f"  - id: {bank_id(i)}")
        lines.append(f"    opening_balance: {balance}")
        lines.append(f"    collateral_capacity: {collateral}")
        lines.append(f"    posted_collateral: {collateral}")
        lines.append("    collateral_haircut: 0.1")
        lines.append("    arrivals:")
        lines.append(f"      rate_per_tick: {rate}")
        lines.append(
            f"      amount: {{ distribution: log_normal, median: {MEDIAN_CENTS}, sigma: {SIGMA} }}"
        )
        if weighted:
            weights = ", ".join(
                f"{bank_id(j)}: {round(share[j] * 1000, 2)}" for j in range(n) if j != i
            )
            lines.append(f"      counterparties: {{ {weights} }}")
        lines.append("      deadline_ticks: [10, 60]")
    return "\n".join(lines) + "\n"


def main():
    root = pathlib.Path("fixtures")
    root.joinpath("stress_50_banks.yaml").write_text(
        day(
            50,
            True,
            2026,
            "# 50 banks, one day of 100 ticks, running on posted collateral; written by\n"
            "# examples/stress/make_fixtures.py. The stress example (examples/stress/)\n"
            "# takes out the largest bank, BANK_000, and cuts the collateral's value.",
        )
    )
    root.joinpath("stress_100_banks.yaml").write_text(
        day(
            100,
            False,
            2027,
            "# 100 banks, one day of 100 ticks, every bank paying the others equally;\n"
            "# written by examples/stress/make_fixtures.py. Timed with `rtgsim stress\n"
            "# --outage each` (docs/PERFORMANCE.md).",
        )
    )


if __name__ == "__main__":
    main()
