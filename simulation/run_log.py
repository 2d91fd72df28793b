"""What one run did, as data: one row per application, and staff and state tallies.

All counting of KPIs from it is :mod:`simulation.metrics`' job; the model only writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from simulation.scenario import Costs
from simulation.staff import PoolStats

#: Where an application came from: open on the start date, a new request, a renewal request.
SOURCES: tuple[str, ...] = ("initial", "new", "renewal")
#: Who did its best interests assessment.
ROUTES: tuple[str, ...] = ("none", "in_house", "independent")


def categorical(codes: np.ndarray, names: tuple[str, ...]) -> pd.Categorical[str]:
    """Integer codes as a categorical column with all ``names`` as categories (empty groups kept)."""
    return pd.Categorical.from_codes(codes.astype(np.int64), categories=pd.Index(list(names)))


@dataclass
class RunLog:
    """Everything one run did: one row per application plus staff and state tallies.

    ``apps`` columns (times in days from the start date; NaN = did not happen within the run):
    ``source`` (initial/new/renewal), ``request_type``, ``setting``, ``primary_support_reason``,
    ``band``; ``received``; ``deadline_end`` (end of the last lawful day, with any urgent extension);
    ``urgent_end`` (end of the urgent authorisation before extension); ``extension_granted``;
    ``unauthorised_from``; ``screened`` (screening on receipt done); ``allocated`` (BIA assessment
    started); ``bia_route`` (in_house/independent); ``bia_done``; ``mha_done``; ``decided``; ``closed``
    (closed without a decision) and ``closure`` (why: screening, died, circumstances_changed; none);
    ``granted`` (the decision, if one was made); ``authorisation_days``; ``parent`` (row of the
    authorisation a renewal renews, -1 otherwise).
    """

    scenario_name: str
    start_date: date
    horizon_days: float
    warm_up_days: float
    bands: tuple[str, ...]
    apps: pd.DataFrame
    pools: dict[str, PoolStats]
    independent_assessments: int
    mental_health_assessments: int
    #: Tallies kept by the model's own state (not from ``apps``): a check on the bookkeeping.
    state: dict[str, int]
    costs: Costs
    backlog_target: int
    #: The standard period counted from the day of receipt, in days (21): "completed within 21 days".
    standard_period_days: int = 21
    month_edges: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
