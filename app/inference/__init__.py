"""XGBoost inference for any imported model: everything below the Lambda handler.

Nothing in this package knows about Lambda; `app.py` and `envelopes.py` adapt events to it.
"""
