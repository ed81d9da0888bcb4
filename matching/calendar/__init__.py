"""Each person's private calendar feed of their pairings."""
