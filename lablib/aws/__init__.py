"""The local AWS: server lifecycle, the loopback guard, the lab clock, and the ONE package
that touches moto internals (``moto_bridge``). The service rooms (``lablib.apigateway``,
``events``, ``stepfunctions``, ``deploy``, ``sam``, ``iam_mode``) plug into the server here;
nothing in the local AWS imports the teaching layer (``lablib.labs``, ``notebook``, ...)."""
