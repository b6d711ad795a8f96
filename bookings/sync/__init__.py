"""Reading the company's API account into the portal's database.

`run` is one sync run (what it reads, the lease, the quota), `upsert` writes
what the API says in bulk, and `attribution` decides who pays.
"""
