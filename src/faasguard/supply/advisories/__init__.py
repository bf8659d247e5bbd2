"""The offline advisory database: OSV data loaded into SQLite, and matching against it.

``faasguard db update --from PATH_OR_URL`` fills it (``update_database``); scans open it read-only
(``AdvisoryDB``) from ``$FAASGUARD_DB`` or ``$XDG_CACHE_HOME/faasguard/advisories.sqlite``.

Names are imported from their module on first use: a scan without a database needs only the
opening code, not the importer (``_osv``) or the matcher.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faasguard.supply.advisories._db import (
        DEFAULT_MAX_AGE_DAYS,
        AdvisoryDB,
        DatabaseError,
        DbInfo,
        ImportReport,
        default_db_path,
        max_age_days,
        read_info,
        update_database,
    )
    from faasguard.supply.advisories._match import MatchResult, Vulnerability, match
    from faasguard.supply.advisories._osv import SourceError
    from faasguard.supply.advisories._versions import SUPPORTED_ECOSYSTEMS, normalize_name

_MODULE_OF = {
    "DEFAULT_MAX_AGE_DAYS": "_db",
    "AdvisoryDB": "_db",
    "DatabaseError": "_db",
    "DbInfo": "_db",
    "ImportReport": "_db",
    "default_db_path": "_db",
    "max_age_days": "_db",
    "read_info": "_db",
    "update_database": "_db",
    "MatchResult": "_match",
    "Vulnerability": "_match",
    "match": "_match",
    "SourceError": "_osv",
    "SUPPORTED_ECOSYSTEMS": "_versions",
    "normalize_name": "_versions",
}
__all__ = [
    "DEFAULT_MAX_AGE_DAYS",
    "SUPPORTED_ECOSYSTEMS",
    "AdvisoryDB",
    "DatabaseError",
    "DbInfo",
    "ImportReport",
    "MatchResult",
    "SourceError",
    "Vulnerability",
    "default_db_path",
    "match",
    "max_age_days",
    "normalize_name",
    "read_info",
    "update_database",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
