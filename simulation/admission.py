"""Admission: a scenario checked against the rules and resolved, once, before any replication runs.

Why one step: the queue policy, the names a scenario borrows from the rules files (screening flags,
bands) and the starting worklist (a file named in the scenario, relative to the scenario's folder) are
the same for every replication, so they are resolved here once and the model receives them resolved.
The command line and the page call :func:`admit` (through :mod:`simulation.experiment`); the model never
re-checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import triage
from simulation import budget
from simulation.initial_backlog import read_worklist, without_reviews
from simulation.scenario import Scenario, ScenarioError


@dataclass(frozen=True)
class Admitted:
    """A scenario checked against the rules, with everything one run needs resolved.

    ``policies`` is the rules' policies with the scenario's ``queue.ageing_days`` applied;
    ``ring_policy`` the policy that picks what ring-fenced staff take (None: no ring-fence);
    ``initial_worklist`` the triage worklist the run starts from (None: the generated backlog).
    """

    scenario: Scenario
    rules: triage.Rules
    policy: triage.Policy
    policies: triage.Policies
    initial_worklist: pd.DataFrame | None = None
    ring_policy: triage.Policy | None = None
    #: the applications one replication is expected to handle (checked against the work limit)
    work: budget.Work | None = None
    #: Part 8 review requests left out of the starting worklist (the model simulates requests for
    #: authorisation; a review's person is under an authorisation in force)
    reviews_left_out: int = 0


def _policy(scenario: Scenario, rules: triage.Rules) -> tuple[triage.Policy, triage.Policies]:
    """The scenario's queue policy (any of the rules file's: those that change with the date re-key a
    request on the day it moves tier), with any ageing override applied."""
    try:
        policy = rules.policies.get(scenario.queue.policy)
    except triage.RulesError:
        ids = [p.id for p in rules.policies.policy]
        raise ScenarioError(f"queue.policy: must be one of {ids}, got {scenario.queue.policy!r}") from None
    policies = rules.policies
    if scenario.queue.ageing_days:
        unknown = set(scenario.queue.ageing_days) - set(policies.band_order)
        if unknown:
            band = sorted(unknown)[0]
            raise ScenarioError(
                f"queue.ageing_days.{band}: not a band (expected one of {policies.band_order})"
            )
        ageing = {**policies.ageing_days, **scenario.queue.ageing_days}
        policies = policies.model_copy(update={"ageing_days": ageing})
    return policy, policies


def _check_names(scenario: Scenario, rules: triage.Rules) -> None:
    """Names a scenario uses that the rules files must know (screening flags, bands)."""
    flags = rules.criteria.inputs.flags
    for flag in scenario.demand.flags:
        if flag not in flags:
            raise ScenarioError(f"demand.flags.{flag}: not a screening flag (expected one of {flags})")
    bands = rules.criteria.all_bands
    for band in scenario.assessment.proportionate_bands:
        if band not in bands:
            raise ScenarioError(
                f"assessment.proportionate_bands: {band!r} is not a band (expected one of {bands})"
            )


def _beside(name: str, base_dir: Path | None) -> Path:
    """A file named in a scenario, relative to the scenario file's folder."""
    path = Path(name)
    return base_dir / path if not path.is_absolute() and base_dir is not None else path


def admit(
    scenario: Scenario,
    rules: triage.Rules | None = None,
    *,
    initial_worklist: pd.DataFrame | None = None,
    base_dir: Path | None = None,
    read_files: bool = True,
    work_limit: int | None = budget.RUN_LIMIT,
    limit_owner: str = "the command line",
) -> Admitted:
    """Check ``scenario`` against the rules and resolve what every replication shares.

    ``initial_worklist``: a triage worklist to start from (the page's "today's worklist"); otherwise the
    file named by ``initial_backlog.worklist`` is read, relative to ``base_dir`` (the scenario file's
    folder; the current folder when None). ``read_files=False`` refuses a scenario that names a file
    (the page: a path in an uploaded scenario would be read on the server). ``work_limit``: the most
    applications one replication may handle (:mod:`simulation.budget`; None: no limit), refused with a
    line naming ``limit_owner`` and what to lower.
    """
    rules = rules if rules is not None else triage.load_rules()
    policy, policies = _policy(scenario, rules)
    _check_names(scenario, rules)
    ring_policy = None
    if scenario.queue.ring_fenced_share > 0:
        if policies.ring_fence is None:
            raise ScenarioError(
                "queue.ring_fenced_share: the queue policies file names no ring_fence policy to say "
                "which requests ring-fenced staff take"
            )
        ring_policy = policies.get(policies.ring_fence)
    name = scenario.initial_backlog.worklist
    if initial_worklist is None and name is not None:
        if not read_files:
            raise ScenarioError(
                "initial_backlog.worklist: not used here; upload the export on the Triage tab "
                "and tick 'Start from today's worklist'"
            )
        initial_worklist = read_worklist(_beside(name, base_dir))
        held = scenario.initial_backlog.in_hand
        if held is not None:  # work in hand: open requests too (triage --in-hand)
            in_hand = read_worklist(_beside(held, base_dir))
            initial_worklist = pd.concat([initial_worklist, in_hand], ignore_index=True)
    reviews = 0
    if initial_worklist is not None:  # Part 8 reviews are not requests the model simulates
        initial_worklist, reviews = without_reviews(initial_worklist)
    work = budget.estimate(scenario, None if initial_worklist is None else len(initial_worklist))
    if work_limit is not None:
        budget.check(work, work_limit, limit_owner)
    return Admitted(scenario, rules, policy, policies, initial_worklist, ring_policy, work, reviews)
