"""What the dev tools share (local runtime, e2e, bench, tools, fuzz): the checkout's paths, free
ports, stopping processes, the functions' IDs, reading answers and the model's rows.

The dev tools import the product (`lambda_compare`, the handler in `app/`); the product imports
nothing from here.
"""
