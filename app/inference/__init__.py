"""Breast-cancer XGBoost inference: everything below the Lambda handler.

Nothing in this package knows about Lambda; `app.py` adapts events to it.
"""
