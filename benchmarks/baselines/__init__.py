"""Previous implementations kept runnable so a benchmark can compare old and new in one run.

Nothing here is used by the bot: these are frozen copies, measured as the "before" figure.
"""
