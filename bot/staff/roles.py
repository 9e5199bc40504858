"""Who is an operator or a trainer, asked afresh on every privileged command.

Operators are named in OPERATOR_IDS; trainers in TRAINER_IDS or granted by an operator from the
chat (kept in Redis with who did it and when). An operator may do everything a trainer may. In a
private chat Telegram's user id is the chat id, so roles are checked by the chat.
"""

from __future__ import annotations

import hashlib
from enum import IntEnum

from storage.store import Store


class Role(IntEnum):
    TRAINER = 1
    OPERATOR = 2


def user_hash(user_id: str) -> str:
    """A short stand-in for a user id in key names, which must name no one."""
    return hashlib.sha256(f"staff:{user_id}".encode()).hexdigest()[:16]


class Roles:
    def __init__(self, store: Store, operators: frozenset[str], trainers: frozenset[str]) -> None:
        self.store = store
        self.operators = operators
        self.configured_trainers = trainers

    async def of(self, user_id: str) -> Role | None:
        if user_id in self.operators:
            return Role.OPERATOR
        if user_id in self.configured_trainers or await self.store.roles.is_trainer(user_id):
            return Role.TRAINER
        return None

    async def everyone(self) -> dict[str, Role]:
        """Every user with a role, for their command menus."""
        found = {u: Role.TRAINER for u in self.configured_trainers}
        found.update({u: Role.TRAINER for u in await self.store.roles.trainers()})
        found.update({u: Role.OPERATOR for u in self.operators})
        return found
