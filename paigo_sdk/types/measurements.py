"""Models for measurements: Paigo's automatic metering configurations (three modes)."""

from __future__ import annotations

from typing import Any

from paigo_sdk.types._base import OpenEnum, PaigoModel, ParamsModel
from paigo_sdk.types.enums import MeasurementMode

__all__ = [
    "AgentAccessInformation",
    "DatastoreAccessInformation",
    "InfrastructureAccessInformation",
    "KafkaDeploymentParameters",
    "Measurement",
    "MeasurementConfiguration",
    "MeasurementCreateParams",
    "MeasurementCreateResponse",
    "MeasurementDeleteResponse",
    "MeasurementUpdateParams",
]


class KafkaDeploymentParameters(ParamsModel):
    """How Paigo consumes usage from a Kafka topic (every field is required)."""

    security_mechanism: str
    """For example `PLAIN` (SASL_PLAIN)."""
    username: str
    password: str
    bootstrap_server_endpoint: str
    topic: str
    dlq_topic: str


class InfrastructureAccessInformation(ParamsModel):
    """Configuration for `infrastructureBased` measurement (cloud infrastructure scraping)."""

    iam_role_arn: str | None = None
    external_id: str | None = None
    cloud_platform: str | None = None
    """`aws`."""
    region: str | None = None
    resource_type: str | None = None
    """One of `ebssnapshot`, `ebs`, `k8spod`, `ec2`, `ec2egress`, `usageData`."""


class AgentAccessInformation(ParamsModel):
    """Configuration for `agentBased` measurement."""

    iam_role_arn: str | None = None
    external_id: str | None = None
    hosting_platform: str | None = None
    """`k8spod`."""


class DatastoreAccessInformation(ParamsModel):
    """Configuration for `datastoreBased` measurement (S3 or Kafka)."""

    platform: str | None = None
    """`s3` or `kafka`."""
    account_id: str | None = None
    consumer_deployment_parameters: KafkaDeploymentParameters | None = None


MeasurementConfiguration = (
    InfrastructureAccessInformation | AgentAccessInformation | DatastoreAccessInformation
)


class MeasurementCreateParams(ParamsModel):
    """The body of `POST /measurements`."""

    measurement_mode: MeasurementMode
    measurement_configuration: dict[str, Any]
    """The configuration for the mode, as camelCase wire fields."""
    measurement_name: str | None = None


class MeasurementUpdateParams(ParamsModel):
    """The body of `PUT /measurements/{measurementId}` (mode and name are required by Paigo)."""

    measurement_mode: MeasurementMode
    measurement_name: str
    measurement_configuration: dict[str, Any] | None = None


class Measurement(PaigoModel):
    """A measurement configuration as Paigo returns it."""

    measurement_id: str
    measurement_mode: OpenEnum[MeasurementMode]
    measurement_configuration: dict[str, Any]
    """The mode's configuration as returned (camelCase keys); datastore mode adds `ingestion`,
    `dlq`, and possibly `iamRoleArn`, `externalId` and `region`."""
    measurement_name: str | None = None


class MeasurementCreateResponse(PaigoModel):
    """The reply to creating or updating a measurement."""

    message: str | None = None
    measurement_id: str
    external_id: str | None = None
    iam_role_arn: str | None = None
    ingestion: str | None = None
    """The S3-style ingestion URL (datastore mode)."""
    dlq: str | None = None
    """The S3-style dead-letter URL (datastore mode)."""


class MeasurementDeleteResponse(PaigoModel):
    """The reply to deleting a measurement."""

    message: str | None = None
    measurement_id: str | None = None
