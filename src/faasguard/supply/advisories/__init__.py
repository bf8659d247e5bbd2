"""The offline advisory database: OSV data loaded into SQLite, and matching against it.

``faasguard db update --from PATH_OR_URL`` fills it (``update_database``); scans open it read-only
(``AdvisoryDB``) from ``$FAASGUARD_DB`` or ``$XDG_CACHE_HOME/faasguard/advisories.sqlite``.
"""

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
