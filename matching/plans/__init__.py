"""Activity plans: drafted by the pair, signed by both, approved or returned by the coordinator,
every version kept, held to the project's rules."""
