"""An agency's system of record as its own service (``hub agency serve <agency>``).

One Starlette app, generic over the registered agencies: the batch endpoints of the agency's connector
interface (connectors/http/interface.py) over its own database, an OpenAPI document, and an OAuth2
client-credentials token endpoint for the one client it serves, the hub.
"""
