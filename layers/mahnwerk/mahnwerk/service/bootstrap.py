"""Wires adapters from configuration. The one place that reads the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

from ..adapters import dynamo
from ..adapters.aws import DocumentStore, EventPublisher, Mailer, Queue


class ConfigError(RuntimeError):
    pass


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

    @classmethod
    def from_env(cls) -> Config:
        env = os.environ
        missing = [k for k in ("TABLE_NAME", "BUCKET_NAME", "NOTICE_QUEUE_URL") if not env.get(k)]
        if missing:
            raise ConfigError(f"missing environment variable(s): {', '.join(missing)}")
        return cls(
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-central-1",
            table_name=env["TABLE_NAME"],
            bucket_name=env["BUCKET_NAME"],
            notice_queue_url=env["NOTICE_QUEUE_URL"],
            configuration_set=env.get("CONFIGURATION_SET", ""),
            default_sender=env.get("DEFAULT_SENDER", ""),
            stage=env.get("STAGE", "dev"),
            max_upload_bytes=int(env.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024,
            idempotency_table=env.get("IDEMPOTENCY_TABLE_NAME", ""),
            dead_letter_queues=tuple(u for u in env.get("DEAD_LETTER_QUEUES", "").split(",") if u),
            event_bus_name=env.get("EVENT_BUS_NAME", ""),
        )


class Context:
    """The adapters one invocation works with, created lazily."""

    def __init__(self, config: Config) -> None:
        self.config = config
        dynamo.configure(config.table_name, config.region)

    @cached_property
    def repo(self) -> dynamo.Repository:
        return dynamo.Repository(self.config.region)

    @cached_property
    def store(self) -> DocumentStore:
        return DocumentStore(self.config.bucket_name, self.config.region)

    @cached_property
    def mailer(self) -> Mailer:
        return Mailer(self.config.region, self.config.configuration_set or None)

    @cached_property
    def notice_queue(self) -> Queue:
        return Queue(self.config.notice_queue_url, self.config.region)

    @cached_property
    def events(self) -> EventPublisher:
        return EventPublisher(self.config.event_bus_name, self.config.region)


_cache: dict[Config, Context] = {}


def context() -> Context:
    """One Context per configuration: a warm Lambda reuses its one; the local stack, which runs
    every function in one process, keeps one per function instead of rebuilding them in turn."""
    config = Config.from_env()
    ctx = _cache.get(config)
    if ctx is None:
        if len(_cache) >= 16:
            _cache.clear()
        ctx = _cache[config] = Context(config)
    elif dynamo.configured() != (config.table_name, config.region):
        dynamo.configure(config.table_name, config.region)  # the models are shared by all
    return ctx


def reset() -> None:
    """Forget cached adapters and settings (a new local stack starts; never needed in Lambda)."""
    from .tenants import forget_settings

    _cache.clear()
    forget_settings()
