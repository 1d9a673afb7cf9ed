"""The owners' dashboard: server-rendered pages (Jinja2, autoescaped) served by the API function on
the stack's second REST API, signed in with a session cookie. See ``web.app``."""
