"""The catalog served by the bot, and reloading it without a restart (imports no discord).

- ``reloader``: the snapshot (catalog, search index, deadlines, feeds, version) and its
  all-or-nothing reload, built off the event loop.
- ``store``: each successful reload recorded in the database (component ``catalog_reloads``).
- ``follow``: the worker with which processes sharing a PostgreSQL database follow a reload
  asked for in another process.
"""
