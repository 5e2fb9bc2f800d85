"""The research extract's anonymiser on generated populations: time to reach k-anonymity,
and what it published, generalised and suppressed. No database (the extract's query is one
scan of the organisation's survivors and consents); prints figures, asserts nothing.

    .venv/bin/python bench/research_extract.py                 # 10,000 and 100,000 survivors
    .venv/bin/python bench/research_extract.py --sizes 50000 --k 20
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date

from domain.research.anonymity import Subject, anonymise

EXPLOITATION = ("sexual_exploitation", "forced_labour", "child_labour", "forced_marriage")


def population(size: int, seed: int) -> list[Subject]:
    """Survivors spread as a programme in three states might hold them: 24 districts, ages
    12-60, four in five women, a handful of recruitment methods and destinations."""
    draw = random.Random(seed)
    districts = [(f"District {i}", f"State {i % 3}") for i in range(24)]
    subjects = []
    for i in range(size):
        district, state = draw.choice(districts)
        returned = None
        if draw.random() < 0.9:
            returned = date(draw.randint(2015, 2026), draw.randint(1, 12), 1)
        subjects.append(
            Subject(
                key=str(i),
                age=draw.choice([None, *range(12, 61)]),
                sex=draw.choice(["female"] * 4 + ["male"]),
                home_district=district,
                home_state=state,
                recruitment_method=draw.choice(
                    [None, "job_offer", "marriage_offer", "abduction", "acquaintance", "debt"]
                ),
                destination_state=draw.choice(["Maharashtra", "Delhi", "Karnataka", None]),
                destination_country=draw.choice(["IN", "IN", "IN", "BD"]),
                exploitation_types=tuple(draw.sample(EXPLOITATION, draw.randint(0, 2))),
                returned_on=returned,
                trafficking_status=draw.choice(["actual", "actual", "possible"]),
                case_status=draw.choice(["active", "monitoring", "closed"]),
            )
        )
    return subjects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--k", type=int, default=11)
    parser.add_argument("--suppression-limit", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for size in args.sizes:
        subjects = population(size, args.seed)
        started = time.perf_counter()
        outcome = anonymise(subjects, args.k, args.suppression_limit)
        seconds = time.perf_counter() - started
        print(
            f"{size:>7} survivors, k={args.k}: {seconds:5.2f} s; published {len(outcome.published)}"
            f", suppressed {outcome.suppressed}; generalised {outcome.generalised()}"
            f"; sensitive withheld {outcome.sensitive_withheld}"
        )


if __name__ == "__main__":
    main()
