"""The bound on the extraction core's memo caches (functools.lru_cache), in one place.

A worker reads hundreds of thousands of reports, and a cache keyed by the names, labels and
numbers it meets grows with the corpus until its bound. At 65,536 entries the caches were most
of a worker's growth (~1 KB per report read: 0.74 GiB after 500k reports); at 4,096 a worker
stays near 180 MiB and extraction got slightly faster (1.86 -> 1.72 ms per report on 30k
synthetic reports), since what repays caching repeats within a report, not across the corpus.
"""

MEMO_SIZE = 4096
