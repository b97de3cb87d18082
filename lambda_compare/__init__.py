"""Compare the arm64 and x86_64 functions: speed from Lambda's REPORT lines, cost from its prices.

targets -> provenance -> configuration (cold starts, memory) -> invoke -> parse -> stats ->
pricing -> report / chart. The top-level `invoke_x86_64_arm64_lambdas.py` is the entry point.
"""
