"""Conference deadlines: data, validation, importers, estimates, reminders and calendars."""
