"""Local services some tests need and skip without (PostgreSQL on the machine, trust auth)."""

from __future__ import annotations

import socket


def postgres_up(host: str = "127.0.0.1", port: int = 5432) -> bool:
    """Whether something accepts connections where the local PostgreSQL server should be."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
