"""What programmes tells the apps above it. A call's history and the notifications of its focal
points live in participants, which listens (participants/receivers.py)."""

from django.dispatch import Signal

# Inside the transaction, before a call's status changes: call, acting_user, to_status.
call_status_changing = Signal()
# Countries invited to an open call (every invited country when it opens): call, countries.
call_countries_invited = Signal()
# After a person asks for their data, its correction or erasure (programmes/privacy):
# data_request (a DataRequest). Participants tells the organisation's admins.
data_request_made = Signal()
# Inside the transaction, after a project's rules changed: project. Matching keeps its pairings'
# compliance by the new rules.
project_rules_changed = Signal()
