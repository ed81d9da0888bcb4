"""Pairings: proposals answered, moves along the state machine, the pairing page."""
