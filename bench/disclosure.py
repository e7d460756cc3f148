"""Disclosure control compared (docs/disclosure.md): joint secondary suppression against HES-style rounding.

``.venv/bin/python bench/disclosure.py demo``: the demo's attack (tests/differencing.py) on
    both methods: cells withheld, recovered, narrowed; for rounding, every figure published as its
    HES form (1-7 as ``*``, others rounded to the nearest 5) and the same identities.
``.venv/bin/python bench/disclosure.py floor WAREHOUSE [QUARTER]``: one release's plan on the
    demo's configuration against the least any safe plan must withhold (``floor``).
``.venv/bin/python bench/disclosure.py national WAREHOUSE CONFIG``: on a loaded national
    warehouse, the time the slices' planning takes line by line and jointly, and the cells a
    reader loses under each method.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HES_LOW, HES_HIGH, BASE = 1, 7, 5


def hes(value: int) -> tuple[int, int]:
    """What HES publishes for a count, as the range of counts it stands for."""
    if value == 0:
        return 0, 0
    if value <= HES_HIGH:
        return HES_LOW, HES_HIGH
    r = BASE * round(value / BASE)
    return max(HES_HIGH + 1, r - BASE // 2), r + BASE // 2


def attack_rounding(built: dict, quarters, year_endings) -> dict:
    """The attacker against every figure published in its HES form (the same cells the slices show)."""
    import numpy as np

    from tests.attacker import Attack

    dep = built["deployment"]
    a = Attack(dep.county_label, [x.name for x in dep.districts], 5, built["changed"])
    examined = []
    for state, values in built["truth"].items():
        a.states.add(state)
        for key, v in values.items():
            lo, hi = hes(v)
            var = a.var(key, state)
            a.lo[var], a.hi[var] = max(a.lo[var], lo), min(a.hi[var], hi)
            if lo < hi:
                a.markers[var].add(f"{lo}-{hi}")
                examined.append((var, lo, hi))
    a.identities(quarters, year_endings)
    broken = a.check_truth(built["truth"])
    assert not broken, broken[:3]
    # every perturbed figure is examined: narrowed if its range is less than what its published form says
    a.markers.clear()
    found = {"examined": 0, "recovered": 0, "narrowed": 0, "small_narrowed": 0, "examples": []}
    seen = set()
    for var, lo, hi in examined:
        if var in seen or (lo, hi) != (HES_LOW, HES_HIGH):  # the counts HES withholds: 1 to 7
            continue
        seen.add(var)
        a.markers[var].add("x")
    findings = a.solve()
    found["examined"] = findings.withheld
    for line in findings.bounded + findings.recovered + findings.narrowed:
        # "(key, state) in [lo, hi] (true t, shown x)"
        ident, rest = line.split(" in [", 1)
        lo, hi = (float(x) for x in rest.split("]", 1)[0].split(", "))
        true = int(rest.split("(true ", 1)[1].split(",", 1)[0])
        want = hes(true)
        if lo == hi:
            found["recovered"] += 1
        if (lo, hi) != (float(want[0]), float(want[1])) and not (np.isinf(hi) and False):
            found["narrowed"] += 1
            if want == (HES_LOW, HES_HIGH):
                found["small_narrowed"] += 1
            if len(found["examples"]) < 8:
                found["examples"].append(f"{ident}: published {want[0]}-{want[1]}, worked out {lo:g}-{hi:g}")
    return found


def demo() -> None:
    from tests.attacker import attack, read_store
    from tests.differencing import QUARTERS, YEAR_ENDINGS, build

    built = build(Path(tempfile.mkdtemp()))
    dep = built["deployment"]
    served = read_store(built["store"], built["states"])
    started = time.perf_counter()
    joint = attack(served, dep.county_label, [x.name for x in dep.districts], QUARTERS, YEAR_ENDINGS, 5,
                   built["changed"], built["truth"])  # fmt: skip
    print(f"joint suppression: {joint.summary()} ({time.perf_counter() - started:.0f} s)")
    cells = sum(len(v) for v in built["truth"].values())
    started = time.perf_counter()
    rounding = attack_rounding(built, QUARTERS, YEAR_ENDINGS)
    print(f"HES rounding: {rounding['examined']} figures published as 1-7 examined of {cells}: {rounding['recovered']} "
          f"recovered exactly, {rounding['narrowed']} narrowed below their published range "
          f"({rounding['small_narrowed']} of them published as 1-7) ({time.perf_counter() - started:.0f} s)")  # fmt: skip
    for line in rounding["examples"]:
        print("  ", line)


def national(warehouse: str, config: str) -> None:
    from dasv.config import load_deployment
    from dasv.quarters import Quarter
    from dasv.report.build import gather_quarter
    from dasv.report.joint import Joint
    from dasv.report.refusals import violations
    from dasv.report.served import served_cells
    from dasv.report.slice_plan import plan_months, plan_suppression
    from dasv.warehouse.db import open_warehouse

    dep = load_deployment(Path(config))
    engine = open_warehouse(warehouse)
    q = Quarter.parse("2025-26 Q3")
    with engine.connect() as conn:
        started = time.process_time()
        gathered = gather_quarter(conn, dep, q)
        gather = time.process_time() - started
        started = time.process_time()
        plan = plan_suppression(gathered.county, gathered.districts, dep)
        plan_months(plan, gathered.series, list(gathered.districts))
        lines = time.process_time() - started
        marks_lines = dict(plan.marks)
        ye_marks = dict(gathered.year_ending.plan.marks)
        started = time.process_time()
        joint = Joint([plan, gathered.year_ending.plan], list(gathered.districts), served_cells(conn))
        added = joint.protect()
        unsafe = violations(joint)
        joint_seconds = time.process_time() - started
    cells = [k for k in joint.value if k in joint.where]
    small = sum(1 for k in cells if 0 < joint.value[k] < 5)
    withheld_lines = sum(
        1 for k in cells if joint.where[k][1] in marks_lines or joint.where[k][1] in ye_marks
    )
    withheld_joint = sum(1 for k in cells if joint.mark(k))
    hes_withheld = sum(1 for k in cells if 0 < joint.value[k] <= HES_HIGH)
    hes_rounded = sum(1 for k in cells if joint.value[k] > HES_HIGH and joint.value[k] % BASE)
    print(
        f"national {q.label}: {len(gathered.districts)} districts, {len(cells)} slice cells (quarters and year endings)"
    )
    print(
        f"  CPU seconds: gathering {gather:.1f}, line-by-line plan {lines:.2f}, joint protection {joint_seconds:.2f} "
        f"({len(joint.constraints)} constraints, {added} cells added, {len(unsafe)} left unsafe)"
    )
    print(f"  counts 1-4: {small}; withheld line by line {withheld_lines}, jointly {withheld_joint}")
    print(
        f"  HES rounding: {hes_withheld} withheld (1-7), {hes_rounded} more published other than as counted"
    )


def floor(warehouse: str, quarter: str = "2025-26 Q3") -> None:
    """The plan of one release against the least any safe plan must withhold (an optimal solve of a necessary condition).

    A withheld count alone in an equation between published figures is worked out exactly, so any
    safe plan withholds, in every equation (a sum or a stock and flow) that holds a withheld cell, at
    least one other cell. The least-cost plan meeting that condition (every small count withheld,
    ``scipy.optimize.milp``) is a lower bound on the optimum: for the number of cells (cost 1 each)
    and for the count they hold (cost = the count).
    """
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_matrix

    from dasv.config import load_deployment
    from dasv.quarters import Quarter
    from dasv.report.slices import SliceBuilder
    from dasv.warehouse.db import open_warehouse

    engine = open_warehouse(warehouse)
    with engine.connect() as conn:
        started = time.process_time()
        builder = SliceBuilder(conn, load_deployment(), Quarter.parse(quarter))
        planned = time.process_time() - started
    joint = builder.joint
    cells = sorted(joint.where)
    index = {k: i for i, k in enumerate(cells)}
    unprinted = [i for i, k in enumerate(cells) if joint._unprinted(k)]  # unknown to readers: hidden, free
    small = [i for i, k in enumerate(cells) if 0 < joint.value[k] < joint.threshold or k in joint.forced]
    ours = [i for i, k in enumerate(cells) if joint.mark(k) and i not in set(unprinted)]
    small = [i for i in small if i not in set(unprinted)]
    equations = [  # an equation with a relation's gap (an unknown no reader holds) needs no other cell hidden
        [index[k] for k, _ in terms if k in index]
        for terms, lo, hi, _ in joint.constraints
        if lo == hi and not any(k[1].startswith("gap:") for k, _ in terms)
    ]
    rows = [(eq, j) for eq in equations if len(eq) > 1 for j in eq]  # x_j <= sum of the others in eq
    a = lil_matrix((len(rows), len(cells)))
    for r, (eq, j) in enumerate(rows):
        for i in eq:
            a[r, i] = 1.0 if i != j else -1.0
    lower = np.zeros(len(cells))
    lower[small] = 1
    lower[unprinted] = 1
    fixed = Bounds(lower, np.ones(len(cells)))
    for name, cost in (
        ("cells", np.ones(len(cells))),
        ("count held", np.array([joint.value[k] for k in cells], float)),
    ):
        cost[unprinted] = 0  # printed nowhere: hiding it costs a reader nothing
        started = time.process_time()
        found = milp(cost, constraints=[LinearConstraint(a.tocsr(), 0, np.inf)], bounds=fixed,
                     integrality=np.ones(len(cells)), options={"time_limit": 120})  # fmt: skip
        ours_cost = sum(cost[i] for i in ours)
        print(
            f"{quarter}, {name}: the plan {ours_cost:,.0f}; least any safe plan needs >= {found.fun:,.0f} "
            f"(milp status {found.status}, {time.process_time() - started:.1f} CPU s); small counts alone "
            f"{sum(cost[i] for i in small):,.0f}"
        )
    print(
        f"  {len(cells) - len(unprinted)} printed cells, {len(equations)} equations; planning took {planned:.2f} CPU s"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["floor"]:
        floor(*sys.argv[2:4])
        sys.exit(0)
    if sys.argv[1:2] == ["demo"]:
        demo()
    elif sys.argv[1:2] == ["national"]:
        national(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
