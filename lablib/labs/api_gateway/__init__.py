"""Lab 03 (api-gateway): ``views`` (stage URLs, calling an API, the VTL playground, bursts of
200s vs 429s, a request's sequence diagram) and ``checks`` (its exercise checks)."""
