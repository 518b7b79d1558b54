"""The information governance console at ``/console``: the audit trail, subject access reports, the trail's
integrity and the agreements, as server-rendered pages for the ``ig-officer`` role.

Every page reads through the hub's own governed GraphQL API (``graph.py``) with the officer's token, purpose
``audit`` and the justification given at sign-in, so each page view is audited like any other request.
"""
