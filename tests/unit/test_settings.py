"""Settings from the environment: the call-thread knob and its deprecated old name."""

from __future__ import annotations

import logging

from server.config import Settings


def test_threads_from_datastore_threads(monkeypatch):
    monkeypatch.setenv("DATASTORE_THREADS", "3")
    monkeypatch.setenv("DATASTORE_WORKERS", "9")  # the new name wins
    assert Settings.from_env().threads == 3


def test_old_name_still_sets_threads_with_a_warning(monkeypatch, caplog):
    monkeypatch.delenv("DATASTORE_THREADS", raising=False)
    monkeypatch.setenv("DATASTORE_WORKERS", "5")
    with caplog.at_level(logging.WARNING, logger="datastore"):
        settings = Settings.from_env()
    assert settings.threads == 5
    assert settings.worker_processes == 1  # not processes: that is `serve --workers`
    assert any("DATASTORE_WORKERS is deprecated" in r.getMessage() for r in caplog.records)


def test_default_is_sixteen_threads(monkeypatch):
    monkeypatch.delenv("DATASTORE_THREADS", raising=False)
    monkeypatch.delenv("DATASTORE_WORKERS", raising=False)
    assert Settings.from_env().threads == 16
