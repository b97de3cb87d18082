#!/usr/bin/env python3
"""Compare the arm64 and x86_64 XGBoost functions: speed, cold starts and cost.

    python invoke_x86_64_arm64_lambdas.py --stack-name xgboost-lambda-arm64-x86-64
    python invoke_x86_64_arm64_lambdas.py --arm64 NAME_OR_ARN --x86-64 NAME_OR_ARN
    python invoke_x86_64_arm64_lambdas.py --endpoint-url http://127.0.0.1:3001   # local runtime

`--help` lists every option. The work is done by the lambda_compare package.
"""

from lambda_compare.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
