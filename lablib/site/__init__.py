"""The study site's build-time side: what the mkdocs hook (``hooks.py``) generates.

- ``catalog``: the labs, the exam blueprints (domains and weights) and the pages other
  people write that the site must still build without.
- ``bank``: the YAML question bank exported as the JSON the browser quizzes and exam read.
- ``notebooks``: lab notebooks from ``labs/`` rendered (and optionally executed) as pages.

Nothing here is imported by labs or the runtime; it needs mkdocs only in ``hooks.py``.
"""
