"""The one way the platform opens S3: dagster-aws's ``S3Resource``.

The lake (``Lake``) and the S3 snapshot connector both get their client here, so they share
dagster-aws's client construction (botocore retry configuration, profile, region, endpoint for
MinIO or moto) with the production profile's compute logs (``S3ComputeLogManager``) and ECS run
launcher, rather than each building a boto3 client its own way. Credentials are never passed:
boto3's default chain reads them from the environment or the task's IAM role.
"""

from __future__ import annotations

from typing import Any


def s3_client(endpoint_url: str | None = None) -> Any:
    """A boto3 S3 client from dagster-aws's ``S3Resource`` (imported lazily: a local lake and
    the synthetic source never load boto3)."""
    from dagster_aws.s3 import S3Resource

    return S3Resource(endpoint_url=endpoint_url).get_client()
