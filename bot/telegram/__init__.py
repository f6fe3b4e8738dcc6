"""The aiogram 3 adapter: updates in, core, events out. No business logic lives here."""
