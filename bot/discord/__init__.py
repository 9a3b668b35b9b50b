"""The Discord adapter: everything that imports discord.py (cogs aside)."""
