"""Runs query AST nodes through the real SQL compiler against a real database."""

from __future__ import annotations

from server.domain import types as t
from server.storage import descriptors as descriptor_repo
from server.storage import entries as entry_repo
from server.storage.db import database, make_database
from server.storage.migrations import migrate_to_latest


class QueryDb:
    """A database of its own (the proxy is swapped in for each call and restored)."""

    def __init__(self, url: str) -> None:
        self.db = make_database(url)
        self._swap(lambda: migrate_to_latest(self.db))
        self.store = self._swap(
            lambda: descriptor_repo.create_descriptor(
                t.DescriptorSpec(name="q", data_type=t.DataType.MAP, behaviour_type=t.BehaviourType.CENTRAL), None
            )
        )

    def _swap(self, fn):
        previous = database.obj
        database.initialize(self.db)
        try:
            with self.db.connection_context():
                return fn()
        finally:
            database.initialize(previous)

    def select(self, docs: list, node) -> list[str]:
        def run():
            with self.db.atomic() as txn:
                entry_repo.put_entries(self.store, 0, [(f"k{i}", d) for i, d in enumerate(docs)], None)
                page = entry_repo.query_entries(
                    self.store, t.Selection(customers=frozenset({0}), where=node, limit=1000)
                )
                txn.rollback()  # every example starts from an empty store
            return [e.key for e in page.items]

        return self._swap(run)

    def plan(self, node) -> str:
        """The database's query plan for the store's page query filtered by node."""
        from server.storage.indexes import explain

        def run():
            page, _ = entry_repo.page_query(self.store, t.Selection(customers=frozenset({0}), where=node, limit=50))
            return explain(self.db, page)

        return self._swap(run)

    def run(self, fn):
        return self._swap(lambda: fn(self.db))

    def close(self) -> None:
        self.db.close()
