"""The teacher's view of a class: ``lablib class report`` (see :mod:`.report`)."""
