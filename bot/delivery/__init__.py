"""Everything the bot sends, from "something is owed to a chat" to "it arrived once, in order".

`owed` decides what a participant is owed and queues it, `items` names queued messages,
`drain` sends a chat's queue through its channel, `replies` answers what a participant did
through the same queue, and `errors` says what to do when a send fails.
"""
