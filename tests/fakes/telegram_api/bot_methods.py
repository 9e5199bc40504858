"""The methods about the bot rather than one chat: who it is (getMe), how updates reach it
(getUpdates' long poll, or a webhook), its command menu, and getFile for what users sent."""

from __future__ import annotations

import asyncio
import copy
import json
import re

from .state import ALL_UPDATE_TYPES, DEFAULT_ALLOWED_UPDATES, State
from .wire import ApiError, JSONDict, bad_request

MAX_POLL_TIMEOUT = 60.0
#: The largest file getFile gives a bot (the Bot API's documented 20 MB).
MAX_DOWNLOAD = 20 * 1024 * 1024
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class BotMethods(State):
    """The bot-wide methods of :class:`FakeTelegram`."""

    #: The command menus set, by (scope as JSON, language_code).
    commands: dict[tuple[str, str], list[JSONDict]]
    #: The webhook the bot set (url and secret_token), or None while it polls.
    webhook: JSONDict | None
    _poll_generation: int

    def _get_me(self, params: JSONDict) -> JSONDict:
        """getMe: the bot's User with the bot-only fields PTB reads."""
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _delete_webhook(self, params: JSONDict) -> bool:
        """deleteWebhook: back to getUpdates; honours drop_pending_updates."""
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _set_webhook(self, params: JSONDict) -> bool:
        """setWebhook: an https URL (the fake also takes http on loopback) and an optional
        secret_token of 1-256 characters A-Z, a-z, 0-9, _ and -. The fake records it; it does
        not call the URL itself: tests post updates to the bot as Telegram would."""
        url = str(params.get("url") or "")
        if not url:
            self.webhook = None
            return True
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret}
        return True

    def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        """getWebhookInfo: the webhook set, if any."""
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        """Commands are stored per (scope, language_code), as Telegram does."""
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: JSONDict) -> bool:
        """setMyCommands: validate like Telegram, then store for the scope and language."""
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            desc = command.get("description") if isinstance(command, dict) else None
            if (
                not isinstance(name, str)
                or not 1 <= len(name) <= 32
                or not all(c.islower() or c.isdigit() or c == "_" for c in name)
                or not name.isascii()
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(desc, str) or not 1 <= len(desc) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.commands.pop(key, None)
        return True

    def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        """getMyCommands: the list for exactly this scope and language."""
        return list(self.commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: JSONDict) -> bool:
        """deleteMyCommands: forget the list for this scope and language."""
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        """getUpdates: confirm by offset, then long-poll up to ``timeout`` for new updates.

        A newer getUpdates call terminates a pending one with 409, as Telegram does when two
        bot instances poll at once.
        """
        if self.webhook is not None:
            raise ApiError(
                409, "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )  # fmt: skip
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), MAX_POLL_TIMEOUT)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = (
                frozenset(allowed) & ALL_UPDATE_TYPES if allowed else DEFAULT_ALLOWED_UPDATES
            )
        if isinstance(offset, int) and offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._updates and not self._closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self._wait_for_change(remaining)
            if generation != self._poll_generation:
                raise ApiError(409, CONFLICT)
        batch = self._updates[:limit]
        if batch:
            self._fetched_upto = max(self._fetched_upto, batch[-1]["update_id"])
            self._notify()
        return copy.deepcopy(batch)

    def _get_file(self, params: JSONDict) -> JSONDict:
        """getFile: metadata with a file_path served under ``base_file_url``."""
        file = self._files.get(str(params.get("file_id") or ""))
        if file is None:
            raise bad_request("invalid file_id")
        if int(file.get("file_size") or 0) > MAX_DOWNLOAD:  # bots may fetch up to 20 MB
            raise bad_request("file is too big")
        return dict(file)
