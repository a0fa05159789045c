"""
The toolsync service: the HTTP API (:func:`create_app`), its settings-driven :class:`Service`,
the signed reload webhook, Server-Sent Events, metrics and access control.

Example::

    from toolsync.server import BackgroundServer, create_app
    from toolsync.settings import load_settings

    with BackgroundServer(create_app(load_settings())) as server:
        print(server.url)
"""

from __future__ import annotations

from .access import Access, Role
from .events import EventHub
from .http import ROUTES, create_app, open_registry
from .metrics import Metrics
from .openapi import api_document
from .problems import ApiError
from .runner import BackgroundServer, GracefulServer
from .service import AddSpec, Service
from .webhook import WebhookVerifier, sign

__all__ = [
    "ROUTES",
    "Access",
    "AddSpec",
    "ApiError",
    "BackgroundServer",
    "EventHub",
    "GracefulServer",
    "Metrics",
    "Role",
    "Service",
    "WebhookVerifier",
    "api_document",
    "create_app",
    "open_registry",
    "sign",
]
