"""How long the texts of the reading list may be: Discord's limits, since each is shown in an embed.

The catalog's entries and sections and the deadline files use these; the numbers come from
``bot.markup`` (Discord's documented sizes), and ``catalog/schema/*.schema.json`` repeats them
for editors (a test keeps the two in agreement).
"""

from __future__ import annotations

from bot import markup
from bot.datafile.fields import TextLimit

TITLE_LIMIT = TextLimit(markup.EMBED_TITLE, "Discord embed title limit")
DESCRIPTION_LIMIT = TextLimit(markup.FIELD_VALUE, "Discord embed field value limit")
# A section blurb is shown as an embed field beside the section's entries.
BLURB_LIMIT = TextLimit(markup.FIELD_VALUE, "Discord embed field value limit")
NAME_LIMIT = TextLimit(markup.AUTHOR_NAME, "Discord embed name limit")
ALIAS_LIMIT = TextLimit(markup.CHOICE_NAME, "Discord autocomplete choice limit")
