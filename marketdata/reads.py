"""Where market-data reads go: the database the router picks for them (the read replica
during an admin page's request, when one is set up and fresh; else the primary). Raw SQL
reads take their connection from here, as the ORM's go through the router by itself."""

from django.db import connections, router

from marketdata.models import MarketData


def connection():
    return connections[router.db_for_read(MarketData)]
