"""Import a user's XGBoost model and write the artifacts app/ serves (model_build.import_model)."""

from model_build.import_model import main

if __name__ == "__main__":
    raise SystemExit(main())
