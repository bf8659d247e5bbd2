"""Typosquat detection against the shipped list of the most-downloaded packages."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from faasguard.supply._typosquat import check, damerau, is_popular

DATA = json.loads(
    resources.files("faasguard.data").joinpath("top_packages.json").read_text("utf-8")
)


def _words(text: str) -> list[str]:
    return text.split()


# Well-known packages, some spelled as people write them (PEP 503 makes them the same project).
POPULAR_PYPI = _words("""
requests Django flask numpy pandas boto3 botocore s3transfer urllib3 certifi idna six PyYAML
python-dateutil Python_Dateutil python.dateutil setuptools wheel pip packaging attrs click jinja2
Jinja2 MarkupSafe Werkzeug itsdangerous cryptography cffi pycparser pyasn1 rsa google-auth
protobuf grpcio pydantic pydantic-core typing_extensions typing-extensions charset-normalizer
aiohttp yarl multidict frozenlist aiosignal async-timeout sqlalchemy SQLAlchemy psycopg2
psycopg2-binary pymysql redis celery kombu billiard vine amqp pytest pluggy iniconfig coverage
pytest-cov mock tox virtualenv filelock platformdirs distlib black isort flake8 pyflakes
pycodestyle mypy mypy-extensions ruff pylint astroid tomli tomlkit toml jsonschema
jsonschema-specifications referencing rpds-py fastapi starlette uvicorn httpx httpcore anyio
sniffio h11 gunicorn scipy scikit-learn matplotlib pillow Pillow opencv-python tqdm rich
pygments colorama termcolor tabulate pyjwt PyJWT oauthlib requests-oauthlib awscli
aws-lambda-powertools aws-xray-sdk moto docutils sphinx markdown beautifulsoup4 soupsieve lxml
html5lib openpyxl xlrd pyarrow polars dask networkx sympy mpmath decorator wrapt deprecated
jellyfish fuzzywuzzy rapidfuzz regex simplejson orjson ujson msgpack paramiko bcrypt pynacl
""")

POPULAR_NPM = _words("""
react react-dom express lodash lodash.merge axios debug ms chalk commander semver uuid
typescript tslib @types/node @types/react @babel/core @babel/runtime webpack webpack-cli
eslint prettier jest mocha chai sinon moment dayjs date-fns rxjs zone.js @angular/core vue
next nuxt svelte jquery bootstrap underscore async bluebird yargs minimist glob minimatch
rimraf mkdirp fs-extra graceful-fs cross-env dotenv body-parser cookie-parser cors helmet
morgan jsonwebtoken bcryptjs mongoose mongodb pg mysql2 redis ioredis socket.io ws
node-fetch cross-fetch whatwg-url tough-cookie form-data qs querystring url path-to-regexp
classnames prop-types styled-components @emotion/react sass postcss autoprefixer
tailwindcss vite rollup esbuild @esbuild/linux-x64 babel-loader css-loader style-loader
electron discord.js aws-sdk @aws-sdk/client-s3 @aws-sdk/client-dynamodb @middy/core
serverless inquirer ora colors ansi-styles supports-color has-flag strip-ansi
@typescript-eslint/parser @typescript-eslint/eslint-plugin eslint-plugin-react
eslint-config-prettier nodemon ts-node tsx zod yup joi ajv handlebars ejs pug marked
highlight.js left-pad is-number is-odd core-js regenerator-runtime
""")


def test_data_file_records_its_source_and_date() -> None:
    assert DATA["source"] and DATA["date"] and DATA["generator"] == "scripts/build_top_packages.py"
    for eco in ("PyPI", "npm"):
        assert len(DATA[eco]["targets"]) >= 5000
        assert len(DATA[eco]["targets"]) + len(DATA[eco]["popular"]) >= 14000


@pytest.mark.parametrize("ecosystem", ["PyPI", "npm"])
def test_every_listed_name_is_allowed(ecosystem: str) -> None:
    names = DATA[ecosystem]["targets"] + DATA[ecosystem]["popular"]
    flagged = [n for n in names if check(n, ecosystem) is not None]
    assert flagged == []


@pytest.mark.parametrize(("ecosystem", "names"), [("PyPI", POPULAR_PYPI), ("npm", POPULAR_NPM)])
def test_popular_packages_are_not_flagged(ecosystem: str, names: list[str]) -> None:
    assert len(names) >= 100
    assert {n: check(n, ecosystem) for n in names if check(n, ecosystem)} == {}


@pytest.mark.parametrize(
    ("name", "ecosystem", "target", "technique"),
    [
        ("reqeusts", "PyPI", "requests", "edit-distance"),
        ("djanga", "PyPI", "django", "edit-distance"),
        ("urlib3", "PyPI", "urllib3", "edit-distance"),
        ("colourama", "PyPI", "colorama", "edit-distance"),
        ("beautifulsup4", "PyPI", "beautifulsoup4", "edit-distance"),
        ("python3-dateutil", "PyPI", "python-dateutil", "affix"),
        ("pythondateutil", "PyPI", "python-dateutil", "separator"),
        ("requests-py", "PyPI", "requests", "affix"),
        ("jeIlyfish", "PyPI", "jellyfish", "edit-distance"),
        ("rnatplotlib", "PyPI", "matplotlib", "homoglyph"),
        ("djang0", "PyPI", "django", "homoglyph"),
        ("crossenv", "npm", "cross-env", "separator"),
        ("electorn", "npm", "electron", "edit-distance"),
        ("loadsh", "npm", "lodash", "edit-distance"),
        ("expresss", "npm", "express", "edit-distance"),
        ("node-lodash", "npm", "lodash", "affix"),
        ("lodash.js", "npm", "lodash", "affix"),
        ("discord.js-selfbot", "npm", "discord.js", "impersonation"),
    ],
)
def test_known_typosquats_are_flagged(
    name: str, ecosystem: str, target: str, technique: str
) -> None:
    found = check(name, ecosystem)
    assert found is not None, name
    assert (found.target, found.technique) == (target, technique)
    assert found.name == name and target in found.detail


def test_homoglyph_capital_i_for_l_is_seen_before_lower_casing() -> None:
    found = check("jeIlyfish", "PyPI")
    assert found is not None and found.target == "jellyfish"


def test_separator_spellings_that_pep503_equates_are_the_same_package() -> None:
    assert check("python_dateutil", "PyPI") is None
    assert check("Python.DateUtil", "PyPI") is None
    assert is_popular("python_dateutil", "PyPI")


def test_ecosystems_are_checked_separately() -> None:
    assert check("crossenv", "PyPI") is None  # a real PyPI project; cross-env is npm
    assert check("reqeusts", "Maven") is None


def test_siblings_that_differ_in_a_word_or_digits_are_not_typos() -> None:
    # invented, unlisted names one edit away from listed ones, but a different word or version
    assert check("django-csq", "PyPI") is None  # short word swapped
    assert check("boto9", "PyPI") is None  # digits only
    assert check("@acme/lodash", "npm") is None  # a scope belongs to its owner


def test_short_names_are_not_compared_by_edit_distance() -> None:
    assert check("sixx", "PyPI") is None  # four letters: too short to be distinctive


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("requests", "requests", 0),
        ("requests", "reqeusts", 1),  # adjacent swap
        ("lodash", "loadsh", 1),
        ("django", "djanga", 1),
        ("colorama", "colourama", 1),
        ("kitten", "sitting", 3),
        ("abc", "", 3),
    ],
)
def test_damerau(a: str, b: str, distance: int) -> None:
    assert damerau(a, b, limit=5) == distance
    assert damerau(b, a, limit=5) == distance
