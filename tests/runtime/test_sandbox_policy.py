"""Policy parsing and the network verdicts, in process (building a Sandbox installs nothing)."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from faasguard.runtime import _sandbox_policy as P
from faasguard.runtime._sandbox_checks import Checker
from faasguard.runtime.sandbox import Sandbox, installed


def _checker(network: list[str]) -> Checker:
    return Checker(Sandbox(network=network, write=["/tmp"], code_dirs=["/tmp"]).policy)


@pytest.mark.parametrize(
    ("text", "ip"),
    [
        ("169.254.169.254", "169.254.169.254"),
        ("2852039166", "169.254.169.254"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("0251.0376.0251.0376", "169.254.169.254"),
        ("169.254.43518", "169.254.169.254"),
        ("[::ffff:169.254.169.254]", "169.254.169.254"),
        ("::ffff:a9fe:a9fe", "169.254.169.254"),
        ("fd00:ec2::254", "fd00:ec2::254"),
        ("fe80::1%eth0", "fe80::1"),
    ],
)
def test_every_spelling_of_an_ip_is_normalised(text: str, ip: str) -> None:
    assert P.parse_ip(text) == ipaddress.ip_address(ip)


@pytest.mark.parametrize("name", ["metadata.google.internal", "example.com", "", "0day.example"])
def test_names_are_not_ips(name: str) -> None:
    assert P.parse_ip(name) is None


def test_rules_match_hosts_ports_wildcards_and_networks() -> None:
    c = _checker(["*.amazonaws.com:443", "10.0.0.0/8:5432", "[::1]:8080", "api.example.com"])
    assert c._destination("s3.eu-west-1.amazonaws.com", 443) is None
    assert c._destination("S3.AMAZONAWS.COM.", 443) is None
    assert c._destination("amazonaws.com.evil.io", 443) is not None
    assert c._destination("s3.amazonaws.com", 80) is not None
    assert c._destination("10.1.2.3", 5432) is None
    assert c._destination("11.1.2.3", 5432) is not None
    assert c._destination("::1", 8080) is None
    assert c._destination("api.example.com", 9999) is None
    assert c._destination("api.example.com", None) is None
    assert c._destination("other.example.com", None) is not None


def test_metadata_needs_an_explicit_rule_even_with_a_wildcard() -> None:
    assert _checker(["*"])._destination("169.254.169.254", 80) is not None
    assert _checker(["0.0.0.0/0"])._destination("169.254.169.254", 80) is not None
    assert _checker(["*"])._destination("93.184.216.34", 443) is None
    assert _checker(["169.254.169.254:80"])._destination("169.254.169.254", 80) is None


def test_ips_resolved_from_an_allowed_name_are_allowed_on_its_ports_only() -> None:
    c = _checker(["db.internal.example:5432"])
    results = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.9.8.7", 5432))]
    c.record_resolution("db.internal.example", results)
    assert c._destination("10.9.8.7", 5432) is None
    assert c._destination("10.9.8.7", 22) is not None
    c.record_resolution("evil.example", [(0, 0, 0, "", ("10.6.6.6", 5432))])
    assert c._destination("10.6.6.6", 5432) is not None
    # DNS rebinding to the metadata service stays blocked
    c.record_resolution("db.internal.example", [(0, 0, 0, "", ("169.254.169.254", 5432))])
    assert c._destination("169.254.169.254", 5432) is not None


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("redis://cache.local:6380/0", "cache.local:6380"),
        ("rediss://cache.local/0", "cache.local:6379"),
        (
            "https://secretsmanager.eu-west-1.amazonaws.com",
            "secretsmanager.eu-west-1.amazonaws.com:443",
        ),
        ("http://[::1]:8200/v1", "[::1]:8200"),
    ],
)
def test_endpoints_become_rules(url: str, rule: str) -> None:
    assert P.endpoint_rule(url) == rule


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"mode": "block"}, "mode 'block' is not one of"),
        ({"network": ["api.example.com:99999"]}, "bad port in network= entry"),
        ({"network": ["bad host!:80"]}, "bad host in network= entry"),
        ({"network": ["10.0.0.0/33"]}, "bad network in '10.0.0.0/33'"),
        ({"network": "api.example.com"}, "network= takes a list of strings"),
        ({"write": [""]}, "write= needs non-empty path strings"),
        ({"pickle": ["Decimal"]}, "pickle= entry 'Decimal' is not 'module.name'"),
        ({"subprocess": [3]}, "subprocess= entry 3 is not a string"),
        ({"endpoints": ["redis:///0"]}, "endpoint 'redis:///0' has no host"),
    ],
)
def test_bad_options_give_a_clear_error(options: dict, message: str) -> None:
    with pytest.raises(P.PolicyError, match="faasguard sandbox: ") as exc:
        Sandbox(**options)
    assert message in str(exc.value)


def test_building_a_sandbox_installs_nothing() -> None:
    Sandbox()
    assert not installed()


def test_equal_options_give_equal_policies() -> None:
    a = Sandbox(network=["*.example.com:443"], subprocess=["git"], code_dirs=["/tmp"])
    b = Sandbox(network=["*.example.com:443"], subprocess=["git"], code_dirs=["/tmp"])
    assert a.policy == b.policy
    assert a.policy != Sandbox(network=["*.example.com:80"], code_dirs=["/tmp"]).policy


def test_true_allows_a_whole_category() -> None:
    policy = Sandbox(subprocess=True, network=True, dynamic_code=True, pickle=True).policy
    assert policy.executables is None and policy.fork
    assert policy.net is None and policy.dynamic_code is None and policy.pickle is None
    table = Checker(policy).dispatch()
    assert "socket.connect" not in table and "subprocess.Popen" not in table
    assert "compile" not in table and "pickle.find_class" not in table
    assert "open" in table and "ctypes.dlsym" in table
