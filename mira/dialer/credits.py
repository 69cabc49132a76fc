"""A workspace's credits (decision 51): charged per connected call, and a prepaid workspace past
its overdraft (`negativeCreditAllowance`) is not dialled.

The balance is one counter on the workspace row, changed by one UPDATE so charges by workers on
many machines never overwrite each other. A transaction that may charge locks its workspaces
before any assistant row (`lock_workspaces`), so with the assistants' ascending order
(mira.dialer.capacity) every worker takes rows in one global order and none waits in a cycle.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from models import Workspace


def may_dial() -> ColumnElement[bool]:
    """Postpaid, or a prepaid balance still above minus the overdraft."""
    return or_(
        Workspace.billing_type != "prepaid",
        Workspace.credit_balance > -Workspace.negative_credit_allowance,
    )


def suspended(workspace: Workspace) -> bool:
    """`may_dial`, negated, for a workspace in hand: what its `status` reports."""
    return (
        workspace.billing_type == "prepaid"
        and workspace.credit_balance <= -workspace.negative_credit_allowance
    )


def lock_workspaces(session: Session, workspace_ids: Iterable[str]) -> None:
    ids = sorted(set(workspace_ids))
    if ids:
        session.execute(
            select(Workspace.id)
            .where(Workspace.id.in_(ids))
            .order_by(Workspace.id)
            # FOR NO KEY UPDATE: rows that merely reference the workspace (a foreign key check
            # takes KEY SHARE) are not held up.
            .with_for_update(key_share=True)
        )


def charge(session: Session, workspace_id: str, credits: float) -> float:
    """Take `credits` from the workspace's balance (a negative charge adds them); the balance
    after."""
    balance = session.execute(
        update(Workspace)
        .where(Workspace.id == workspace_id)
        .values(credit_balance=Workspace.credit_balance - credits)
        .returning(Workspace.credit_balance)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return float(balance)
