"""An instrument prepared once for validation, and the one reading of its `enable_when`
conditions (`item_enablement`), for the validator and the patient form alike."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from screening.instruments.definition import COMPLETED_YEAR, Instrument, Item, ItemType


@dataclass(frozen=True)
class Context:
    """What the checks need from the document itself."""

    completed_year: int

    def bound(self, value: int | str | None) -> int | None:
        if value == COMPLETED_YEAR:
            return self.completed_year
        return value if isinstance(value, int) else None


@dataclass(frozen=True)
class Plan:
    """An instrument prepared once for validation (lookups instead of scans)."""

    instrument: Instrument
    items: Mapping[str, Item]
    choice_codes: Mapping[str, tuple[str, ...]]
    conditional: tuple[Item, ...]


_PLANS: dict[int, Plan] = {}


def plan_for(instrument: Instrument) -> Plan:
    plan = _PLANS.get(id(instrument))
    if plan is None or plan.instrument is not instrument:
        plan = _plan_build(instrument)
        _PLANS[id(instrument)] = plan
    return plan


def _plan_build(instrument: Instrument) -> Plan:
    items = dict(instrument.items)
    for item in items.values():
        # A definition mistake must fail loudly, not pass documents silently.
        if item.enable_when is not None and item.enable_when.item not in items:
            raise ValueError(f"{item.id}: enable_when names unknown item {item.enable_when.item}")
        if item.type is ItemType.SCALE and item.scale is None:
            raise ValueError(f"{item.id}: a scale item needs a scale")
        if item.type is ItemType.FOOD_LIST and instrument.food_list is None:
            raise ValueError(f"{item.id}: a food list needs the instrument's food_list constraints")
    for group in instrument.all_or_none:
        unknown = [item_id for item_id in group.items if item_id not in items]
        if unknown:
            raise ValueError(f"all-or-none group {group.name} names unknown items {unknown}")
    plan = Plan(
        instrument=instrument,
        items=items,
        choice_codes={
            item.id: tuple(choice.code for choice in item.choices) for item in items.values()
        },
        conditional=tuple(item for item in items.values() if item.enable_when is not None),
    )
    enablement(plan, {}, ())  # raises on conditions that form a cycle
    return plan


def item_enablement(
    instrument: Instrument, answers: Mapping[str, Any], *, invalid: Collection[str] = ()
) -> dict[str, bool | None]:
    """Whether each item of the instrument applies to these answers, by item id.

    The one reading of `enable_when`, for the validator and the patient form alike. An item
    applies when its condition's item is answered with exactly the value named (JSON true is
    not 1) and that item applies itself: a question that depends on one that does not apply
    does not apply either, however the stale answer reads. None (only when `invalid` names
    answers known to be wrong) means the condition rests, directly or along the chain, on one
    of those answers, so nothing can be said yet.
    """
    plan = plan_for(instrument)
    conditional = enablement(plan, answers, invalid)
    return {item_id: conditional.get(item_id, True) for item_id in plan.items}


def enablement(
    plan: Plan, answers: Mapping[str, Any], invalid: Collection[str]
) -> dict[str, bool | None]:
    """`item_enablement` of the conditional items only (the others always apply)."""
    states: dict[str, bool | None] = {}

    def state_of(item: Item, seen: frozenset[str]) -> bool | None:
        condition = item.enable_when
        if condition is None:
            return True
        if item.id in states:
            return states[item.id]
        if item.id in seen:
            raise ValueError(f"{item.id}: enable_when conditions form a cycle")
        state = state_of(plan.items[condition.item], seen | {item.id})
        if state is True:
            if condition.item not in answers:
                state = False
            elif condition.item in invalid:
                state = None
            else:
                answer = answers[condition.item]
                # JSON true is not 1: compare types as well as values.
                state = type(answer) is type(condition.equals) and answer == condition.equals
        states[item.id] = state
        return state

    for item in plan.conditional:
        state_of(item, frozenset())
    return states
