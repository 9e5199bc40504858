"""The conversation with a participant, for every channel: what they say, and what druppel answers.

`router` is the one entry (the safety net first, then a table of commands, the kind of a tapped
button, or the step they are in); each other module is one part of the conversation: `signup`,
`reflections` (answers and check-ins), `commands` (steering a course), `looking_back`,
`privacy` and `care` (when a message signals danger). `steps` and `buttons` are what is stored on
a participant and carried by a button. It hears channel-neutral `Incoming` events and answers
with `Outgoing` messages; it never imports a messaging SDK.
"""

from bot.conversation.router import Coach

__all__ = ["Coach"]
