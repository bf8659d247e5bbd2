"""Path traversal and local file inclusion on the decoded, slash-normalised path."""

from __future__ import annotations

import re

from ._hit import Hit, has_any, has_marked, lazy, split_needles

_DOTDOT = lazy(r"(?:^|[/\\=:])\.{2,}[;\x00]?(?:[/\\]|$)|\.\.[/\\]|[/\\]\.\.(?:[;\x00]|$)")
_SENSITIVE = lazy(
    r"(?:^|[/\\:\s\"'=])(?:etc[/\\](?:passwd|shadow|group|hosts|issue|hostname|motd|"
    r"crontab|sudoers|profile|fstab|mysql|apache2?|httpd|nginx|ssh|security|network|"
    r"resolv\.conf|os-release|lsb-release|inittab)|proc[/\\](?:self|\d+|version|cmdline|"
    r"environ|mounts|net)|var[/\\](?:log|www|mail|spool|run[/\\]secrets)|"
    r"(?:root|home[/\\][^/\\]{1,32})[/\\]\.(?:ssh|bash_history|aws|docker|kube|profile)|"
    r"\.aws[/\\]credentials|\.ssh[/\\](?:id_\w+|authorized_keys)|\.env(?:$|[/\\])|"
    r"windows[/\\](?:system32|win\.ini|system\.ini|repair|panther|debug|php\.ini)|"
    r"winnt[/\\]|boot\.ini|win\.ini|inetpub[/\\]|web\.config|\.htaccess|\.htpasswd|"
    r"wp-config\.php|usr[/\\]local[/\\](?:apache|etc)|opt[/\\]lampp|xampp[/\\]|"
    r"system32[/\\]|pagefile\.sys|\{file\})",
    re.I,
)
_WRAPPER = lazy(
    r"\b(?:php|expect|phar|zip|compress\.zlib|compress\.bzip2|glob|data|file|jar|zlib|"
    r"netdoc)://|convert\.(?:iconv|base64-(?:en|de)code|quoted-printable)|"
    r"php://filter|resource=",
    re.I,
)
# Leftovers of broken or exotic encodings (%c0%qf, %uEFC8, non-ASCII) act as separators
# for lax decoders: squash them, and runs of slashes, into one "/".
_GARBAGE_SEP = lazy(r"(?:%u[0-9a-f]{4}|%[0-9a-z%]{1,2}|[^\x00-\x7f]|[/\\])+")
_SYSTEM_FILE = lazy(
    r"^(?:[a-z]:)?[/\\](?:[\w .-]{1,40}[/\\]){0,8}?(?:etc|var|usr|opt|log|logs|apache2?|"
    r"httpd|nginx|php\d?|mysql|pure-?ftpd|proftpd|vsftpd|tomcat\d*|xampp|windows|winnt|"
    r"inetpub|program files)[/\\](?:[\w .-]{1,40}[/\\]){0,8}?"
    r"[\w.-]{0,40}(?:\.conf|\.cnf|\.ini|\.log|_log|\.xml|\.properties|passwd|shadow)"
    r"(?:\x00.*)?$",
)
_SYSTEM_PATH = lazy(
    r"^(?:[a-z]:[/\\]|/)(?:etc|var|proc|sys|boot|root|usr/local|windows|winnt|inetpub|xampp|"
    r"php\d?|mysql|apache\d?|program files[^/\\]{0,8}|private/etc|private/var)/[^\s]{1,200}$"
    r"|^\\\\[^\\/\s]{1,64}\\[a-z]\$"
)
_NULL_EXT = lazy(r"\x00\.?\w{1,5}$|%00", re.I)


def _squashed(low: str) -> str:
    if "%" in low or "\\" in low or not low.isascii():
        return _GARBAGE_SEP.sub("/", low)
    return low


def detect(text: str, low: str, marks: str | frozenset[str]) -> list[Hit]:
    hits: list[Hit] = []
    text = _squashed(low)
    m = _DOTDOT.search(text) if ".." in text else None
    if m:
        hits.append(Hit("traversal.dotdot", 0.85, m.start(), m.end()))
    m = _SENSITIVE.search(text) if has_any(text, _SENSITIVE_NEEDLES) else None
    if m:
        conf = 0.9 if hits else 0.75
        hits.append(Hit("traversal.sensitive-file", conf, m.start(), m.end()))
    m = None if hits else (_SYSTEM_FILE.match(text) or _SYSTEM_PATH.match(text))
    if m:
        hits.append(Hit("traversal.system-file", 0.7, m.start(), m.end()))
    m = _WRAPPER.search(low) if has_any(low, ("://", "convert.", "resource=")) else None
    if m:
        hits.append(Hit("traversal.stream-wrapper", 0.8, m.start(), m.end()))
    if hits:
        m = _NULL_EXT.search(text)
        if m:
            hits.append(Hit("traversal.null-byte", 0.8, m.start(), m.end()))
    return hits


_SENSITIVE_NEEDLES = (
    "etc/", "proc/", "var/", "windows/", "winnt", "boot.ini", "win.ini", ".ssh", ".aws", ".env",
    "system32", "inetpub", "web.config", ".ht", "wp-config", "usr/local", "opt/lampp", "xampp",
    "pagefile", "{file}", "root/.", "home/",
)  # fmt: skip
_NEEDLES = ("..", "://", "convert.", "resource=", "boot.ini", "win.ini", "{file}")


_GATE_NEEDLES = split_needles(_NEEDLES)


def gate(low: str, chars: str | frozenset[str]) -> bool:
    return "/" in chars or "\\" in chars or "%" in chars or has_marked(low, chars, _GATE_NEEDLES)
