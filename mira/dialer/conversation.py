"""What an answered call produced: its analysis for `end-of-call` and its business actions.

The conversation's conclusion (`completed`, `disengaged`, `callback`, or `timeout` when the dialer
hung up) comes with the carrier's `ended` event; the analysis and the abandoned-cart actions
(§8.6) follow from it, the call's payload and the discount its metadata allowed the agent to offer.
"""

from __future__ import annotations

from typing import Any

SUMMARIES = {
    "completed": "The customer confirmed and the agent completed the call's goal.",
    "disengaged": "The customer ended the conversation almost at once (low engagement).",
    "callback": "The customer asked to be called back later.",
    "timeout": "The call reached its maximum duration and was ended.",
}
ADDRESS_FIELDS = ("address1", "city", "zip")


def analysis(conversation: str, actions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "success": conversation == "completed",
        "summary": SUMMARIES[conversation],
        "requiredActions": [action["action"] for action in actions],
        "insights": {
            "engagement": "low" if conversation == "disengaged" else "high",
            "callbackRequested": conversation == "callback",
        },
        "outcome": {},
    }


def credits_used(duration_seconds: float) -> float:
    """A connected minute costs one credit, counted to the hundredth."""
    return round(duration_seconds / 60, 2)


def _amount(money: Any) -> float:
    try:
        return float(money["shopMoney"]["amount"])
    except (KeyError, TypeError, ValueError):
        return 0.0


def cart_actions(
    payload: dict[str, Any], metadata: dict[str, Any] | None, phone_number: str
) -> list[dict[str, Any]]:
    """A completed abandoned-cart call: the order, or a WhatsApp message asking for what is
    missing (a blank first name, a shipping address without street, city or zip)."""
    customer = payload.get("customer") or {}
    address = payload.get("shippingAddress") or {}
    phone = customer.get("phone") or phone_number
    reason = None
    if not str(customer.get("firstName") or "").strip():
        reason = "missing_first_name"
    elif not all(address.get(name) for name in ADDRESS_FIELDS):
        reason = "missing_address"
    if reason is not None:
        return [{"action": "send_whatsapp", "reason": reason, "payload": {"number": phone}}]
    order: dict[str, Any] = {
        "email": customer.get("email"),
        "phone": phone,
        "lineItems": payload["lineItems"],
        "shippingAddress": {
            "firstName": customer.get("firstName"),
            "lastName": customer.get("lastName"),
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "city": address.get("city"),
            "province": address.get("province"),
            "zip": address.get("zip"),
            "country": address.get("country"),
            "phone": address.get("phone") or phone,
        },
        "cartTotal": _amount(payload.get("totalPriceSet")),
        "codCharge": 0,
        "note": payload.get("note"),
        "abandonedCheckoutId": payload.get("id"),
    }
    offered = (metadata or {}).get("discount")
    if offered:
        order["discount"] = {
            "code": offered.get("code"),
            "reason": offered.get("description") or "offered when the customer hesitated",
        }
    return [{"action": "create_order", "reason": None, "payload": order}]
