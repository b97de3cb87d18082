"""Compare the arm64 and x86_64 functions: speed from Lambda's REPORT lines, cost from its prices.

options -> targets -> provenance -> configuration (cold starts, memory) -> invoker ->
report_line (Lambda's REPORT line) -> stats -> groups -> pricing -> verdicts -> results
(the human report and its files) / chart. `cli.main` runs that pipeline; the top-level
`invoke_x86_64_arm64_lambdas.py` and the `lambda-compare` command call it.
"""
