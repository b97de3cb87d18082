"""The compiled layouts a model can be written in: a leaf module, so that --help and argument
checks name them without importing TL2cgen or XGBoost."""

LAYOUTS = ("ifelse", "arrays")
