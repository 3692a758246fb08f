#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
"""A busy server's database for timing reports (issue 14).

Takes a database made by `bouncestat import` of one day of a generated
log (genlog.py, about 1M lines) and repeats that day's rows back in time:
hour counts (and the rollups of schema version 4, when the schema has
them; from schema version 15 the seed's hours at or after its roll mark
are rolled first and the mark set after the newest hour) for --days days, minute counts for --minute-days (the daemon's
minute_retention), failure events for --event-days (its event
retention). Every copy is the seed day shifted by whole days, so the
result is what a year of a server with the same traffic every day would
store. The seed's first day is the newest of the copies: generate it for
yesterday (UTC), so that `report --since 365d` covers them.

    busydb.py SEED.db OUT.db [--days 365] [--minute-days 30]
        [--event-days 90]

Standard library only. The output is built in OUT.db.tmp and renamed.
"""
import argparse
import os
import shutil
import sqlite3
import sys
import time

DAY = 86400


def tables(db):
    return {r[0] for r in db.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table'")}


def columns(db, table, tcol):
    """The table's columns but its time and rowid alias, as SQL."""
    return ", ".join(r[1] for r in db.execute("PRAGMA table_info(%s)" % table)
                     if r[1] not in (tcol, "id"))


def copies(db, table, tcol, days, note):
    """Appends days - 1 shifted copies of table's rows (newest first)."""
    cols = columns(db, table, tcol)
    t0 = time.time()
    n = db.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
    db.execute("CREATE TEMP TABLE seed AS SELECT %s, %s FROM %s"
               % (tcol, cols, table))
    # Oldest copies first: rowids (events) then grow with time.
    for k in range(days - 1, 0, -1):
        db.execute("INSERT INTO %s (%s, %s) SELECT %s - %d, %s FROM seed "
                   "ORDER BY %s" % (table, tcol, cols, tcol, k * DAY, cols,
                                    tcol))
    db.execute("DROP TABLE seed")
    note("%s: %d rows x %d days in %.1f s" % (table, n, days,
                                                time.time() - t0))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("seed")
    p.add_argument("out")
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--minute-days", type=int, default=30)
    p.add_argument("--event-days", type=int, default=90)
    a = p.parse_args()
    note = lambda m: print("busydb: " + m, file=sys.stderr)

    tmp = a.out + ".tmp"
    for f in (tmp, tmp + "-wal", tmp + "-shm"):
        if os.path.exists(f):
            os.unlink(f)
    src = sqlite3.connect(a.seed)
    src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    src.close()
    shutil.copyfile(a.seed, tmp)
    db = sqlite3.connect(tmp, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -65536")
    have = tables(db)
    # Schema 9 keeps minute counts in count_minute_sk, schema 12 one row
    # per minute in count_minute_pk (count_minute is a view of either).
    minute = next(t for t in ("count_minute_pk", "count_minute_sk",
                              "count_minute") if t in have)
    lo, hi = db.execute("SELECT min(bucket), max(bucket) FROM count_hour"
                        ).fetchone()
    if lo is None:
        sys.exit("busydb: %s has no counts" % a.seed)
    span = (hi - lo) // DAY + 1
    if span > 1:
        # Results retried past the day: keep its first day only.
        note("seed spans %d days: keeping its first day" % span)
        end = lo - lo % DAY + DAY
        for t in ("count_hour", "count_hour_class", "count_day", minute):
            if t in have:
                db.execute("DELETE FROM %s WHERE bucket >= ?" % t, (end,))
        db.execute("DELETE FROM event WHERE t >= ?", (end,))
        if "count_month" in have:
            db.execute("DELETE FROM count_month")
    mark = db.execute("SELECT CAST(value AS INTEGER) FROM meta "
                      "WHERE key = 'roll_mark'").fetchone()
    db.execute("BEGIN")
    if mark is not None and "count_day" in have:
        # Schema 15: the rollups hold the hours before the roll mark only
        # (the import's newest hour is open). Roll the rest, so that every
        # copy of the day is whole; the mark is set after the copies.
        key = ", ".join(c for c in columns(db, "count_day", "bucket")
                        .split(", ") if c != "n")
        db.execute(
            "INSERT INTO count_day (bucket, %s, n) SELECT bucket - bucket "
            "%% 86400, %s, n FROM count_hour WHERE bucket >= ? ON CONFLICT "
            "DO UPDATE SET n = n + excluded.n" % (key, key), (mark[0],))
        db.execute(
            "INSERT INTO count_hour_class (bucket, class, status, kind, n) "
            "SELECT bucket, class, status, kind, n FROM count_hour "
            "WHERE bucket >= ? ON CONFLICT DO UPDATE SET n = n + excluded.n",
            (mark[0],))
    copies(db, "count_hour", "bucket", a.days, note)
    if "count_hour_class" in have:
        copies(db, "count_hour_class", "bucket", a.days, note)
    if "count_day" in have:
        copies(db, "count_day", "bucket", a.days, note)
    if "count_month" in have:
        # Months are sums of the days: rebuilt from count_day.
        t0 = time.time()
        db.execute("DELETE FROM count_month")
        key = ", ".join(c for c in columns(db, "count_day", "bucket")
                        .split(", ") if c != "n")
        db.execute(
            "INSERT INTO count_month (bucket, %s, n) SELECT CAST(strftime("
            "'%%s', bucket, 'unixepoch', 'start of month') AS INTEGER) AS b,"
            " %s, sum(n) FROM count_day GROUP BY b, %s" % (key, key, key))
        note("count_month: rebuilt in %.1f s" % (time.time() - t0))
    copies(db, minute, "bucket", a.minute_days, note)
    copies(db, "event", "t", a.event_days, note)
    if mark is not None:
        # Every hour rolled: the mark after the newest (migration 0015).
        db.execute("UPDATE meta SET value = CAST((SELECT max(bucket) + 3600 "
                   "FROM count_hour) AS TEXT) WHERE key = 'roll_mark'")
    floor = db.execute("SELECT min(bucket) FROM %s" % minute).fetchone()[0]
    db.execute("INSERT INTO meta (key, value) VALUES ('minute_floor', ?) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
               (str(floor),))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    for f in ("-wal", "-shm"):
        if os.path.exists(tmp + f):
            os.unlink(tmp + f)
    os.replace(tmp, a.out)
    note("%s: %.0f MiB" % (a.out, os.path.getsize(a.out) / 1048576.0))


if __name__ == "__main__":
    main()
