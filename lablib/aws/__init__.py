"""The local AWS: server lifecycle, the loopback guard, the lab clock, and the ONE module
that touches moto internals (``moto_bridge``)."""
