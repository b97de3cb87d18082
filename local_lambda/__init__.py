"""A local Lambda runtime without Docker: the functions of template.yaml behind the Invoke API.

Each function runs in workers built on AWS's own Runtime Interface Emulator (shipped in the
aws-sam-cli package) driving `python -m awslambdaric`, in a task root that holds what the
function's image holds. The HTTP front adds only what the emulator lacks: routing by function
name, several workers, Tail logs with a true REPORT line, the function-error header, limits.
"""
