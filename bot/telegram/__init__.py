"""The Telegram layer: thin handlers between Telegram's updates and the core.

Everything the bot knows and says comes from bot.replies; this package only speaks Telegram.
`app.build_application` registers every handler, in order; `running.run` starts the bot.
"""
