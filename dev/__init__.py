"""Local PostgreSQL, Redis and Kafka for development, started only when none answers.

Pure Python on purpose: it runs before Django is configured (it decides the URLs
Django will be given), so nothing in this package may import Django.

Entry points: :func:`dev.stack.ensure_stack`, :func:`dev.stack.stop_stack`
and the CLI ``python -m dev up|down|status|env``.
"""
