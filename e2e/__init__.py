"""`make sam-e2e`: the SAM CLI, Docker and the compare tool run for real against this project.

Starts a private Docker engine (no bridge network; everything on loopback), builds both images
with plain `sam build`, runs every event through each image, then `sam local invoke` and
`sam local start-lambda` with the AWS CLI and the compare tool, and stops all it started.
"""
