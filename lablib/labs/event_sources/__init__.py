"""Lab 02 (event-sources): ``views`` (diagrams, tables, waiting, reading queues, the
IteratorAge chart) and ``checks`` (its exercise checks)."""
