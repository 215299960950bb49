"""The notifications pages: the list, its filters and paging, the read-state changes, and where a notification leads.

Not a Django app (it has no models; its templates are web/templates/notifications/,
its URL names ``notifications:…``): the page layer over web.notifications.
It sits above web.graphs and web.groups because a page asks what its reader
may still open (web/inbox/targets.py), while graphs and groups record their
notifications through web.notifications.
"""
