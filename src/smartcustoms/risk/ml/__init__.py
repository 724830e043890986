"""Fraud model of the risk engine: dataset, features, training, artifacts, scoring, metrics, lookup baseline.

Training (train.py) and serving (score.py, artifact.py) are separate modules; a model is a directory with
xgboost's native files, JSON metadata and the history tables as CSV (see train.TrainedModel.save).
"""
