"""TLS for both listeners, optionally mutual: the same certificate, key and client CA
serve gRPC (grpc.ssl_server_credentials) and HTTP (uvicorn's ssl options)."""

from __future__ import annotations

import ipaddress
import logging
import ssl
from dataclasses import dataclass
from pathlib import Path

import grpc

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TlsFiles:
    cert: str
    key: str
    client_ca: str | None = None

    @classmethod
    def from_settings(cls, cert: str | None, key: str | None, client_ca: str | None) -> TlsFiles | None:
        if not cert and not key:
            if client_ca:
                raise ValueError("--tls-client-ca needs --tls-cert and --tls-key")
            return None
        if not (cert and key):
            raise ValueError("TLS needs both --tls-cert and --tls-key")
        for name, path in (("certificate", cert), ("key", key), ("client CA", client_ca)):
            if path and not Path(path).is_file():
                raise ValueError(f"TLS {name} file not found: {path}")
        return cls(cert, key, client_ca)

    def grpc_credentials(self) -> grpc.ServerCredentials:
        ca = Path(self.client_ca).read_bytes() if self.client_ca else None
        pair = (Path(self.key).read_bytes(), Path(self.cert).read_bytes())
        return grpc.ssl_server_credentials([pair], root_certificates=ca, require_client_auth=ca is not None)

    def uvicorn_options(self) -> dict:
        options: dict = {"ssl_certfile": self.cert, "ssl_keyfile": self.key}
        if self.client_ca:
            options.update(ssl_ca_certs=self.client_ca, ssl_cert_reqs=ssl.CERT_REQUIRED)
        return options


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def warn_if_plaintext(tls: TlsFiles | None, *hosts: str) -> None:
    exposed = [h for h in hosts if h and not is_loopback(h)]
    if tls is None and exposed:
        log.warning(
            "serving PLAINTEXT on %s: passwords and tokens cross the network in clear text; "
            "start with --tls-cert and --tls-key",
            ", ".join(sorted(set(exposed))),
        )
