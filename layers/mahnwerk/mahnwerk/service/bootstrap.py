"""Wires the ports from configuration. The one place that reads the environment.

The environment is parsed and validated once per set of values (a warm Lambda: once per cold
start; the local stack, which swaps the environment per function, once per function) into a
frozen :class:`Config`; :func:`build` turns a Config into the :class:`Context`, the bundle of
ports the service functions take. Tests build a Context of in-memory fakes instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..adapters import dynamo_models
from ..adapters.api_store import ApiStore
from ..adapters.aws import DocumentStore as S3DocumentStore
from ..adapters.aws import EventPublisher as BusPublisher
from ..adapters.aws import Mailer as SesMailer
from ..adapters.aws import Queue as SqsQueue
from ..adapters.credit_bureau import NoBureau
from ..adapters.dynamo_access import DynamoKeys, DynamoSessions
from ..adapters.dynamo_credit import DynamoCreditRecords
from ..adapters.dynamo_customers import DynamoCustomers
from ..adapters.dynamo_documents import DynamoTenants
from ..adapters.dynamo_invoices import DynamoInvoices
from ..adapters.dynamo_notices import DynamoInvoiceSends, DynamoNotices
from ..adapters.dynamo_payments import DynamoPayments
from ..adapters.dynamo_recurring import DynamoRecurring
from ..adapters.dynamo_reviews import DynamoReviews
from ..adapters.privacy import PrivacyStore
from .ports import (
    CreditBureau,
    CreditRecords,
    Customers,
    DocumentStore,
    EventPublisher,
    Invoices,
    InvoiceSends,
    Keys,
    Mailer,
    Notices,
    Payments,
    Queue,
    RecurringTemplates,
    Reviews,
    Sessions,
    Tenants,
)

if TYPE_CHECKING:
    from ..domain.settings import TenantSettings


class ConfigError(RuntimeError):
    pass


#: the variables the configuration is read from (the memo key: the values of these)
_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION", "TABLE_NAME", "BUCKET_NAME", "NOTICE_QUEUE_URL",
              "CONFIGURATION_SET", "DEFAULT_SENDER", "STAGE", "MAX_UPLOAD_MB",
              "IDEMPOTENCY_TABLE_NAME", "DEAD_LETTER_QUEUES", "EVENT_BUS_NAME",
              "DUNNING_HOUR", "INBOX_DOMAIN", "DASHBOARD_URL", "PORTAL_URL")


@dataclass(frozen=True)
class Config:
    region: str
    table_name: str
    bucket_name: str
    notice_queue_url: str
    configuration_set: str
    default_sender: str
    stage: str
    max_upload_bytes: int = 20 * 1024 * 1024
    idempotency_table: str = ""
    #: dead-letter queue URLs the API's health check reports the depth of
    dead_letter_queues: tuple[str, ...] = ()
    #: the EventBridge bus events for integrators go to ("": none are published)
    event_bus_name: str = ""
    #: the Berlin hour of the daily run (template parameter DunningHour): the next run shown
    dunning_hour: int = 6
    #: the domain SES receives the tenants' inbox mail for ("": no inbox)
    inbox_domain: str = ""
    #: the dashboard's address, for links in replies ("": none given)
    dashboard_url: str = ""
    #: the debtors' pages' base address (``…/portal``), printed on letters ("": no link printed)
    portal_url: str = ""

    @classmethod
    def from_env(cls) -> Config:
        """The configuration of the current environment, parsed and validated once per set of
        values."""
        values = tuple(os.environ.get(name) for name in _VARIABLES)
        config = _parsed.get(values)
        if config is None:
            if len(_parsed) >= 16:
                _parsed.clear()
            config = _parsed[values] = cls._parse(dict(zip(_VARIABLES, values, strict=True)))
        return config

    @classmethod
    def _parse(cls, env: dict[str, str | None]) -> Config:
        missing = [k for k in ("TABLE_NAME", "BUCKET_NAME", "NOTICE_QUEUE_URL") if not env.get(k)]
        if missing:
            raise ConfigError(f"missing environment variable(s): {', '.join(missing)}")
        upload_mb = env.get("MAX_UPLOAD_MB") or "20"
        if not upload_mb.isdigit() or int(upload_mb) <= 0:
            raise ConfigError(f"MAX_UPLOAD_MB must be a positive whole number, not {upload_mb!r}")
        return cls(
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-central-1",
            table_name=str(env["TABLE_NAME"]),
            bucket_name=str(env["BUCKET_NAME"]),
            notice_queue_url=str(env["NOTICE_QUEUE_URL"]),
            configuration_set=env.get("CONFIGURATION_SET") or "",
            default_sender=env.get("DEFAULT_SENDER") or "",
            stage=env.get("STAGE") or "dev",
            max_upload_bytes=int(upload_mb) * 1024 * 1024,
            idempotency_table=env.get("IDEMPOTENCY_TABLE_NAME") or "",
            dead_letter_queues=tuple(u for u in (env.get("DEAD_LETTER_QUEUES") or "").split(",")
                                     if u),
            event_bus_name=env.get("EVENT_BUS_NAME") or "",
            dunning_hour=_hour(env.get("DUNNING_HOUR")),
            inbox_domain=(env.get("INBOX_DOMAIN") or "").strip().lower(),
            dashboard_url=(env.get("DASHBOARD_URL") or "").rstrip("/"),
            portal_url=(env.get("PORTAL_URL") or "").rstrip("/"),
        )


def _hour(text: str | None) -> int:
    if not text:
        return 6
    if not text.isdigit() or not 0 <= int(text) <= 23:
        raise ConfigError(f"DUNNING_HOUR must be an hour 0-23, not {text!r}")
    return int(text)


_parsed: dict[tuple[str | None, ...], Config] = {}


@dataclass(eq=False)
class Context:
    """The ports one invocation works with, and the configuration they were built from."""

    config: Config
    tenants: Tenants
    customers: Customers
    invoices: Invoices
    notices: Notices
    invoice_sends: InvoiceSends
    payments: Payments
    keys: Keys
    sessions: Sessions
    store: DocumentStore
    mailer: Mailer
    events: EventPublisher
    notice_queue: Queue
    reviews: Reviews
    #: customers' credit state, and the credit bureau (service/credit.py)
    credit: CreditRecords
    bureau: CreditBureau
    #: the REST API's pages and owner actions (DynamoDB only: no fake)
    api: ApiStore
    #: the reads and erasures behind GDPR export and erasure (DynamoDB and S3 only: no fake)
    privacy: PrivacyStore
    #: recurring-invoice templates, their periods and the number counters
    recurring: RecurringTemplates
    #: tenant settings read recently (``service.tenants``): tenant → (monotonic time, settings)
    settings_cache: dict[str, tuple[float, TenantSettings]] = field(default_factory=dict)


def build(config: Config) -> Context:
    """The AWS adapters for ``config`` (clients and connections are created on first use)."""
    from pynamodb.connection import Connection

    dynamo_models.configure(config.table_name, config.region)
    connection = Connection(region=config.region)  # for transactions; its client is lazy
    store = S3DocumentStore(config.bucket_name, config.region)
    return Context(
        config=config,
        tenants=DynamoTenants(),
        customers=DynamoCustomers(),
        invoices=DynamoInvoices(connection),
        notices=DynamoNotices(connection),
        invoice_sends=DynamoInvoiceSends(),
        payments=DynamoPayments(connection),
        keys=DynamoKeys(connection),
        sessions=DynamoSessions(),
        store=store,
        mailer=SesMailer(config.region, config.configuration_set or None),
        events=BusPublisher(config.event_bus_name, config.region),
        notice_queue=SqsQueue(config.notice_queue_url, config.region),
        reviews=DynamoReviews(),
        credit=DynamoCreditRecords(),
        bureau=NoBureau(),  # a real provider's adapter goes here (adapters/credit_bureau.py)
        api=ApiStore(connection),
        privacy=PrivacyStore(store),
        recurring=DynamoRecurring(connection),
    )


_cache: dict[Config, Context] = {}


def context() -> Context:
    """One Context per configuration: a warm Lambda reuses its one; the local stack, which runs
    every function in one process, keeps one per function instead of rebuilding them in turn."""
    config = Config.from_env()
    ctx = _cache.get(config)
    if ctx is None:
        if len(_cache) >= 16:
            _cache.clear()
        ctx = _cache[config] = build(config)
    elif dynamo_models.configured() != (config.table_name, config.region):
        dynamo_models.configure(config.table_name, config.region)  # the models are shared by all
    return ctx


def reset() -> None:
    """Forget cached configurations, adapters and settings (a new local stack starts; never
    needed in Lambda)."""
    _parsed.clear()
    _cache.clear()
