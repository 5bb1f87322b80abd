-- Run once by the postgres container on an empty data volume (deploy/compose.yaml): the Dagster
-- instance uses the `dagster` database (POSTGRES_DB); MLflow and the decision log get their own.
CREATE DATABASE mlflow;
CREATE DATABASE decisions;
