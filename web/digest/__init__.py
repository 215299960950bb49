"""The email digest: each opted-in user's unread notifications not mailed before, mailed once, on their schedule.

Beat checks who is due (tasks/digest.py) every DIGEST_CHECK_SECONDS; ``python
manage.py send_digests`` runs the same code at once. A run finds the users
whose slot has come (due.users_due: each user's next slot, in their own zone,
is stored in UTC), then mails them a chunk at a time (sending.send_chunk):
each chunk locks the due users' rows and claims their notifications with FOR
UPDATE SKIP LOCKED, sends, marks what was sent as mailed and moves each slot
on in that same transaction.
"""
