"""The resources of both clients, attached lazily so that building a client costs nothing."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from paigo_sdk._client import AsyncPaigoClient, PaigoClient
    from paigo_sdk.resources.customers import AsyncCustomers, Customers
    from paigo_sdk.resources.dimensions import AsyncDimensions, Dimensions
    from paigo_sdk.resources.invoices import AsyncInvoices, Invoices
    from paigo_sdk.resources.measurements import AsyncMeasurements, Measurements
    from paigo_sdk.resources.offerings import AsyncOfferings, Offerings
    from paigo_sdk.resources.settings import AsyncSettings, Settings
    from paigo_sdk.resources.usage import AsyncUsage, Usage
    from paigo_sdk.resources.webhooks import AsyncWebhooks, Webhooks

__all__ = ["RESOURCE_NAMES", "AsyncResources", "SyncResources"]

RESOURCE_NAMES = (
    "dimensions",
    "offerings",
    "measurements",
    "customers",
    "usage",
    "invoices",
    "webhooks",
    "settings",
)
"""The attribute names of the resources on both clients."""


class SyncResources:
    """The resource attributes of `PaigoClient`."""

    def _owner(self) -> PaigoClient:
        # Only PaigoClient inherits this mixin.
        return cast("PaigoClient", self)

    @cached_property
    def dimensions(self) -> Dimensions:
        """Dimensions (product items): list, create, retrieve, update, delete."""
        from paigo_sdk.resources.dimensions import Dimensions

        return Dimensions(self._owner())

    @cached_property
    def offerings(self) -> Offerings:
        """Offerings (pricing plans): list, create, retrieve, update, delete."""
        from paigo_sdk.resources.offerings import Offerings

        return Offerings(self._owner())

    @cached_property
    def measurements(self) -> Measurements:
        """Measurements (automatic metering configurations)."""
        from paigo_sdk.resources.measurements import Measurements

        return Measurements(self._owner())

    @cached_property
    def customers(self) -> Customers:
        """Customers, with their enrollment, wallet, refunds, payments and children."""
        from paigo_sdk.resources.customers import Customers

        return Customers(self._owner())

    @cached_property
    def usage(self) -> Usage:
        """Usage records: record one, record a batch, or build a background batcher."""
        from paigo_sdk.resources.usage import Usage

        return Usage(self._owner())

    @cached_property
    def invoices(self) -> Invoices:
        """Invoices: create a manual invoice, retrieve one."""
        from paigo_sdk.resources.invoices import Invoices

        return Invoices(self._owner())

    @cached_property
    def webhooks(self) -> Webhooks:
        """Webhook subscriptions and sample payloads."""
        from paigo_sdk.resources.webhooks import Webhooks

        return Webhooks(self._owner())

    @cached_property
    def settings(self) -> Settings:
        """Account settings: the business profile and the invoice logo."""
        from paigo_sdk.resources.settings import Settings

        return Settings(self._owner())


class AsyncResources:
    """The resource attributes of `AsyncPaigoClient`."""

    def _owner(self) -> AsyncPaigoClient:
        # Only AsyncPaigoClient inherits this mixin.
        return cast("AsyncPaigoClient", self)

    @cached_property
    def dimensions(self) -> AsyncDimensions:
        """Dimensions (product items): list, create, retrieve, update, delete."""
        from paigo_sdk.resources.dimensions import AsyncDimensions

        return AsyncDimensions(self._owner())

    @cached_property
    def offerings(self) -> AsyncOfferings:
        """Offerings (pricing plans): list, create, retrieve, update, delete."""
        from paigo_sdk.resources.offerings import AsyncOfferings

        return AsyncOfferings(self._owner())

    @cached_property
    def measurements(self) -> AsyncMeasurements:
        """Measurements (automatic metering configurations)."""
        from paigo_sdk.resources.measurements import AsyncMeasurements

        return AsyncMeasurements(self._owner())

    @cached_property
    def customers(self) -> AsyncCustomers:
        """Customers, with their enrollment, wallet, refunds, payments and children."""
        from paigo_sdk.resources.customers import AsyncCustomers

        return AsyncCustomers(self._owner())

    @cached_property
    def usage(self) -> AsyncUsage:
        """Usage records: record one, record a batch, or build a background batcher."""
        from paigo_sdk.resources.usage import AsyncUsage

        return AsyncUsage(self._owner())

    @cached_property
    def invoices(self) -> AsyncInvoices:
        """Invoices: create a manual invoice, retrieve one."""
        from paigo_sdk.resources.invoices import AsyncInvoices

        return AsyncInvoices(self._owner())

    @cached_property
    def webhooks(self) -> AsyncWebhooks:
        """Webhook subscriptions and sample payloads."""
        from paigo_sdk.resources.webhooks import AsyncWebhooks

        return AsyncWebhooks(self._owner())

    @cached_property
    def settings(self) -> AsyncSettings:
        """Account settings: the business profile and the invoice logo."""
        from paigo_sdk.resources.settings import AsyncSettings

        return AsyncSettings(self._owner())
