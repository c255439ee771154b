"""The physical limit for durable sign-ups without group commit: single-row
transactions committed one by one into SQLite (WAL, synchronous=FULL), as fast as
this disk allows. Prints commits per second."""
import os
import sqlite3
import sys
import time

path, seconds = sys.argv[1], float(sys.argv[2])
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE IF NOT EXISTS s(id INTEGER PRIMARY KEY, email TEXT UNIQUE, t INTEGER)")
n = 0
start = time.monotonic()
while time.monotonic() - start < seconds:
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO s(email, t) VALUES (?, ?)", (f"r{n}@x.net", n))
    db.execute("COMMIT")
    n += 1
print(f"{n / (time.monotonic() - start):.0f}")
