"""Pure helpers that web/ and realtime/ both use: no Django, no I/O, no state.

They live here, below both, so that realtime/ never imports web/ and web/
reaches realtime/ only through its one door (realtime/publish.py).
"""
