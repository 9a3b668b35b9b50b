"""ml-audio-bot: the 'Getting Started in ML-Audio' reading list, inside Discord.

The core (catalog, search, deadlines, feeds, suggestions, storage) never imports
discord; the Discord adapter lives in ``bot.discord``, the dev-only demo in ``bot.demo``,
and the thin command layer in the top-level ``cogs`` package.
"""

__version__ = "0.1.0"
