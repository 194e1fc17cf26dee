"""A thin client over the generated datastore.v1 stubs."""

from datastore_client.client import DatastoreClient, DatastoreError

__all__ = ["DatastoreClient", "DatastoreError"]
