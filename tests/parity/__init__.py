"""Parity suite: the local AWS against responses recorded on real AWS."""
