"""The demo (dev-only, not in the wheel): the real bot in SimCord."""
