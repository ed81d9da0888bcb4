"""The matching engine and the coordinator's matching page: the pool, the engine's proposals,
overrides and the matching settings."""
