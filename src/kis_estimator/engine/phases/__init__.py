"""Phase balancing: assign single-phase loads to R/S/T with a proven-optimal spread.

The objective is lexicographic: first the spread (max − min) of the per-phase load sums, then the spread
of the per-phase load counts. In order (`balancing.py`), until the best assignment found meets the best
bounds proven:

1. lower bounds from the gcd, the divisibility of the total and the largest load (`groups.py`);
2. a deterministic heuristic: greedy, largest load first, then exchanges of one or two loads
   (`heuristic.py`);
3. a residue relaxation (fine loads exactly, coarse loads modulo their divisor) that raises the bound
   and guides the construction of an assignment meeting it (`residues.py`);
4. up to 40 loads, a complete branch-and-bound (`partition.py`, driven by `search.py`) deciding one
   spread (then count spread) at a time upwards from the bounds, within a fixed node budget;
5. CP-SAT (`cp_sat.py`, its model in `sat_model.py`), deciding the same way, where the branch-and-bound
   does not apply or ran out of nodes.

Steps 1–3 settle the usual panel without a solver. Loads of equal value are interchangeable, so the
search works on how many loads of each distinct value go to each phase (a "split"), not on items;
`solution.py` turns the final split back into a per-load assignment.
"""

from kis_estimator.engine.phases.balancing import balance_phases
from kis_estimator.engine.phases.solution import PhaseSolution

__all__ = ["PhaseSolution", "balance_phases"]
