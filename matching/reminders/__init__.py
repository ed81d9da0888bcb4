"""Reminders: the hourly scan that plans one row per obligation, period and person, and the
senders that claim rows under SKIP LOCKED and mark them sent."""
