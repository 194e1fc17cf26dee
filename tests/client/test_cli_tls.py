"""The CLI data commands and the client over TLS and mutual TLS, against a real
`datastore serve --tls-cert … --tls-client-ca …` (the PKI helpers of tests/test_tls.py)."""

from __future__ import annotations

import json
import subprocess

from tests import test_tls
from tests.procs import DATASTORE, cli, environment, serve

pki = test_tls.pki  # its fixture: a CA, a server and a client certificate


def test_data_commands_over_mutual_tls(process_db, pki):
    (cert, key), ca = pki["server"], pki["ca"]
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", db=process_db)
    served = serve(process_db, "--tls-cert", cert, "--tls-key", key, "--tls-client-ca", ca)
    env = environment({"DATASTORE_TARGET": served.grpc, "DATASTORE_USER": "root", "DATASTORE_PASSWORD": "root-pass-1"})

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([DATASTORE, *args, "--timeout", "5"], capture_output=True, text=True, env=env, timeout=60)

    try:
        client_cert, client_key = pki["client"]
        mtls = ("--tls-ca", ca, "--tls-client-cert", client_cert, "--tls-client-key", client_key)
        assert run("descriptors", "create", "secure", *mtls).returncode == 0
        assert run("put", "secure", "k", '{"a": 1}', *mtls).returncode == 0
        assert json.loads(run("get", "secure", "k", "--json", *mtls).stdout)["value"] == {"a": 1}
        assert run("get", "secure", "k", "--tls-ca", ca).returncode == 7  # no client certificate
        assert run("get", "secure", "k").returncode == 7  # plaintext
    finally:
        served.stop()
