"""Telegram as a channel, over python-telegram-bot: the one package that imports `telegram`.

`adapter` is the channel the processes wire in (start, stop, long polling or webhook);
`updates` turns Telegram's updates into the coach's events and `order` keeps one chat's
updates in order; `send` sends the coach's messages, `render` shapes them into Telegram HTML
and buttons, `pacing` keeps each send under the limits every worker shares and `rates` says
what those limits are; `errors` turns Telegram's errors into druppel's delivery errors;
`connections` holds the HTTP time-outs and pools. Nothing else in druppel knows Telegram exists.
"""
