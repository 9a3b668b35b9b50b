"""Thin discord.py extensions: parse the interaction, call the core, format the reply.

No SQL, no HTTP and no business rules live here; each cog gets its services from the bot.
"""
