"""WhatsApp as a channel, over the WhatsApp Cloud API.

`webhook` receives (in `druppel web`) and queues; `inbound` turns what was queued into the
coach's events (in the workers); `words` reads typed commands; `rendering` shapes the coach's
messages into what WhatsApp accepts; `window` keeps the 24-hour customer-service window and the
template that reopens it; `client` speaks HTTP to the Graph API; `sender` puts it together for
the chats' queues; `service` wires it into the processes.
"""
