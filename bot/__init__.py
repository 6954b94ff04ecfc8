"""A Telegram bot that answers questions about the November 2017 diplomacy on Syria."""
