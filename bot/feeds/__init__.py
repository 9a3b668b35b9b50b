"""Feed announcements: RSS/Atom feeds polled politely and announced once each.

The pieces, each in its own module:

* ``catalog`` reads ``catalog/feeds.yaml`` (``file:line`` problems);
* ``guard`` keeps feed URLs from reaching private networks (SSRF);
* ``fetch`` does the HTTP: conditional GET, size cap, manual redirects, timeouts;
* ``parse`` turns bytes + headers into :class:`~bot.feeds.model.FeedItem` with feedparser;
* ``store`` keeps each feed's state and its seen entries in SQLite (component ``feeds``);
* ``poller`` decides what to fetch when, what to announce, and how to back off;
* ``announce`` builds the outbox message (embed) for one item;
* ``worker`` runs the poller in the background of the bot.

Nothing here imports discord; ``cogs/feeds.py`` is the Discord side.
"""
