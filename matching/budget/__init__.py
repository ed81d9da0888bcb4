"""The budget for funded visits: exchange rates, claims' review and the figures."""
