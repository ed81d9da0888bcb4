"""Bringing a programme under way into a project: its pairings, from a spreadsheet."""
