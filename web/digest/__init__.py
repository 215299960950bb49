"""The email digest: each opted-in user's unread notifications not mailed before, mailed once.

Beat starts a run (tasks/digest.py) every DIGEST_INTERVAL_MINUTES; ``python
manage.py send_digests`` runs the same code at once. A run finds the users due
(claims.users_due), then mails them a chunk at a time (sending.send_chunk):
each chunk claims its notifications with FOR UPDATE SKIP LOCKED, sends, and
marks what was sent as mailed in that same transaction.
"""
