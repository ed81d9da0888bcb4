"""Meetings (logged by one of the pair, confirmed or corrected by the other) and compliance:
each month's online meeting, each period's visit, the first visit, the reports."""
