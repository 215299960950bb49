"""Django's PostgreSQL backend, telling a commit that may have happened from one that did not."""
