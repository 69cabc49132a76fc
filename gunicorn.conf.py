"""gunicorn settings for `mira serve`, each overridable from the environment."""

import os

wsgi_app = "mira.app:create_app()"
bind = os.environ.get("MIRA_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Connexion 3 is ASGI; uvicorn_worker's UvicornWorker, with the request head bounded in size
# and time (mira.http_protocol).
worker_class = "mira.http_protocol.MiraUvicornWorker"
accesslog = os.environ.get("MIRA_ACCESS_LOG", "-") or None
errorlog = "-"
timeout = int(os.environ.get("MIRA_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Behind a reverse proxy, list its address so that rate limits see the real client IP
# (X-Forwarded-For); by default only a proxy on this machine is trusted.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
