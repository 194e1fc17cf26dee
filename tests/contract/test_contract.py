"""Contract checks: every RPC has a google.api.http rule, the generated code is current,
and buf lint is clean."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from google.api import annotations_pb2

from datastore.v1 import auth_pb2, descriptor_pb2, entry_pb2, query_pb2, sharing_pb2

ROOT = Path(__file__).resolve().parents[2]
MODULES = (auth_pb2, descriptor_pb2, entry_pb2, query_pb2, sharing_pb2)
TEMPLATE = re.compile(r"^(/[A-Za-z0-9_.\-~]+|/\{[a-z_.]+(=[^}]+)?\})+(:[A-Za-z]+)?$")


def methods():
    for module in MODULES:
        for service in module.DESCRIPTOR.services_by_name.values():
            yield from service.methods


@pytest.mark.parametrize("method", list(methods()), ids=lambda m: m.full_name)
def test_every_rpc_has_an_http_rule(method):
    rule = method.GetOptions().Extensions[annotations_pb2.http]
    verb = rule.WhichOneof("pattern")
    assert verb in ("get", "post", "put", "patch", "delete"), f"{method.full_name} has no http rule"
    path = getattr(rule, verb)
    assert TEMPLATE.match(path), f"{method.full_name}: bad template {path}"
    if verb in ("get", "delete"):
        assert not rule.body, "GET/DELETE rules carry no body (AIP-127)"
    for var in re.findall(r"\{([a-z_.]+)", path):
        msg = method.input_type
        for part in var.split("."):
            assert part in msg.fields_by_name, f"{method.full_name}: {var} is not a request field"
            field = msg.fields_by_name[part]
            msg = field.message_type
    if rule.body and rule.body != "*":
        assert rule.body in method.input_type.fields_by_name


def test_generated_code_is_current():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_protos.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_buf_lint_is_clean():
    buf = shutil.which("buf") or os.path.join(os.path.dirname(sys.executable), "buf")
    assert os.path.exists(buf), "buf (PyPI buf-bin) is a dev dependency"
    subprocess.run([sys.executable, str(ROOT / "tools" / "gen_protos.py"), "--check"], capture_output=True)
    result = subprocess.run([buf, "lint"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
