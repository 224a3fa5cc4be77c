"""Concurrent read-modify-write transactions on SQLite lose no update.

With pysqlite's default (deferred) transactions this project measured 796 of
1,200 lost updates; WAL + BEGIN IMMEDIATE must bring it to zero.
"""

from __future__ import annotations

import threading

from sqlalchemy import select

from servgap.services.context import Store
from servgap.store.models import Customer, Workspace


def test_no_lost_updates_under_concurrency(sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        ws = Workspace(code="c", name_zh="c", name_en="c")
        s.add(ws)
        s.flush()
        s.add(Customer(workspace_id=ws.id, code="k", orders_per_month=0.0, attributes={}))
    threads, per_thread = 6, 40
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(per_thread):
                with sqlite_store.session() as s:
                    c = s.scalars(select(Customer).where(Customer.code == "k")).one()
                    c.orders_per_month = (c.orders_per_month or 0.0) + 1.0
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert errors == []
    with sqlite_store.session() as s:
        total = s.scalar(select(Customer.orders_per_month).where(Customer.code == "k"))
    assert total == threads * per_thread
