"""How a model reaches serving: train the demo or import a user's XGBoost model, check it,
compile it to C, gate it on parity with XGBoost, and write the artifacts `app/` serves
(`artifacts.write_artifacts`, by `artifact_contract`). Entry points: `train`, `import_model`."""
