"""Local PostgreSQL, Redis and Kafka for development, started only when none answers.

The stack and its command line are pure Python on purpose: they run before
Django is configured (they decide the URLs Django will be given), so this
module and everything ``python -m dev`` imports leave Django alone. The
Django side of development, loaded only by Django (settings.dev installs
this package as an app), is apart: the URLs and mailbox (urls.py,
mailbox.py) and the demo data (demo.py, ``manage.py load_demo``).

Entry points: :func:`dev.stack.ensure_stack`, :func:`dev.stack.stop_stack`
and the CLI ``python -m dev up|down|status|env``.
"""
