"""Train the demo classifier and write the artifacts app/ serves (model_build.train)."""

from model_build.train import main

if __name__ == "__main__":
    raise SystemExit(main())
