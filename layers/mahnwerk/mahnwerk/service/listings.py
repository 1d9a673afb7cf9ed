"""Reading for the REST API and the dashboard: pages of invoices, customers, payments and
notices, one invoice with its timeline, the receivables and payment behaviour the reports are
computed from, and the collection calendar."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from ..adapters.api_store import Page, page_size
from ..domain.forecast import ForecastEntry, forecast
from ..domain.model import Customer, Invoice
from .bootstrap import Context
from .invoice_ops import NotFound
from .law import base_rates
from .ports import InvoiceFilter
from .tenants import load_settings
from .timeline import invoice_timeline
from .views import delivery_json


def invoice_page(ctx: Context, tenant: str, limit: int | None, cursor: str | None,
                 customer: str | None = None, where: InvoiceFilter | None = None) -> Page:
    """A page of invoices (``limit`` None: the default size), of one customer if given."""
    return ctx.api.invoice_page(tenant, page_size(limit), cursor, customer, where)


def customer_page(ctx: Context, tenant: str, limit: int | None, cursor: str | None) -> Page:
    return ctx.api.customer_page(tenant, page_size(limit), cursor)


def payment_page(ctx: Context, tenant: str, limit: int | None, cursor: str | None,
                 status: str | None = None) -> Page:
    return ctx.api.payment_page(tenant, page_size(limit), cursor, status=status)


def notice_page(ctx: Context, tenant: str, limit: int | None, cursor: str | None) -> Page:
    return ctx.api.notice_page(tenant, page_size(limit), cursor)


def invoice_with_timeline(ctx: Context, tenant: str,
                          number: str) -> tuple[Invoice, list[dict[str, Any]]]:
    """NotFound for an invoice the tenant does not have."""
    invoice = ctx.invoices.get_invoice(tenant, number)
    if invoice is None:
        raise NotFound(f"invoice {number} not found")
    return invoice, invoice_timeline(ctx, tenant, number)


def receivables(ctx: Context, tenant: str) -> Iterator[Invoice]:
    """Every invoice of the tenant, page by page (the reports' input)."""
    return ctx.api.receivables(tenant)


def behaviours(ctx: Context, tenant: str) -> Iterator[tuple[str, dict[str, int]]]:
    """Every customer's payment-behaviour counters."""
    return ctx.api.behaviours(tenant)


def calendar_entries(ctx: Context, tenant: str, today: date, days: int) -> list[ForecastEntry]:
    """The collection calendar of a tenant (the API's /v1/forecast and the dashboard)."""
    due = ctx.invoices.due_customers(tenant, today + timedelta(days=days - 1))
    customers = ctx.customers.batch_get_customers(tenant, due) if due else {}
    invoices = [inv for cid in due for inv in ctx.invoices.customer_invoices(tenant, cid)]
    settings = load_settings(ctx, tenant)
    return forecast(customers, invoices, settings.policy, base_rates(), today, days)


def invoice_delivery(ctx: Context, tenant: str, invoice: Invoice) -> dict[str, Any]:
    """Whether the invoice's next letter reaches its customer (domain.deliverability)."""
    customer = ctx.customers.get_customer(tenant, invoice.customer_id) or Customer(
        tenant_id=tenant, customer_id=invoice.customer_id, name=invoice.customer_id)
    return delivery_json(customer, load_settings(ctx, tenant).policy, [invoice])
