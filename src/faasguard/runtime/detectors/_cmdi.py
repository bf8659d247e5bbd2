"""OS command injection: shell metacharacters followed by a command, and shell-only syntax."""

from __future__ import annotations

import re

from ._hit import Hit, has_marked, lazy, split_needles

_COMMANDS = (
    "id|whoami|uname|hostname|cat|tac|head|tail|more|less|nl|ls|dir|pwd|ping|nc|ncat|netcat|"
    "curl|wget|fetch|sleep|timeout|bash|sh|zsh|ksh|csh|dash|busybox|python[23]?|perl|php|ruby|"
    "node|lua|nslookup|dig|host|echo|printf|type|ifconfig|ipconfig|netstat|ss|net|ver|"
    "systeminfo|tasklist|taskkill|powershell|pwsh|cmd|certutil|bitsadmin|rm|del|chmod|chown|"
    "touch|cp|mv|mkdir|tftp|telnet|ftp|ssh|scp|xterm|env|set|export|kill|pkill|ps|find|grep|"
    "awk|sed|xargs|base64|openssl|nohup|crontab|reboot|shutdown|mkfifo|mknod|sudo|su|"
    "useradd|passwd|wmic|reg|regsvr32|rundll32|mshta|cscript|wscript|start|call|eval|exec|"
    "system|uptime|w|who|last|route|arp|traceroute|tracert|whois|lwp-download|java|gcc|sysinfo|"
    "which|getuid|phpversion"
)
_SEP = r"(?:;|&&?|\|\|?|\n|\r|(?<!`)`(?!`)|\$\(|%0a|%0d|\\n)"
_PATH_CMD = r"(?:/(?:usr/)?(?:local/)?s?bin/[a-z0-9_.-]+|c:\\windows\\[\w\\.]+)"
# separator, optional quotes/spaces, then a command word ending at a word boundary
_AFTER_SEP = lazy(
    _SEP + r"[ \t\"'(){}<>]{0,8}(?:" + _PATH_CMD + r"|(?:" + _COMMANDS + r")(?![\w.:=/-]))"
    r"(?P<arg>[ \t]+[^\s;|&]{0,64})?",
    re.I,
)
_SUBSHELL = lazy(
    r"\$\(\s{0,32}[a-z/]|(?<!`)`\s{0,32}[a-z/][^`]{0,200}`(?!`)|\$\{IFS\}|\$IFS\b|\$\{[a-z_]+:\d",
    re.I,
)
_SHELLSHOCK = lazy(
    r"\(\s{0,32}\)\s{0,32}\{\s{0,32}:\s{0,32};\s{0,32}\}\s{0,32};|\(\s{0,32}\)\s{0,32}\{\s{0,32}_\s{0,32};\s{0,32}\}",
    re.I,
)
_BRACE = lazy(r"\{(?:" + _COMMANDS + r"),[^\s}]{1,80}\}", re.I)
_REDIRECT = lazy(
    r"/dev/(?:tcp|udp)/|>\s{0,32}/(?:tmp|dev|var|etc)/|<\(\s{0,32}\w|\s2>&1|"
    r"[\"']\s{0,32}>>?\s{0,32}[\w./-]{1,80}\.(?:php\d?|jsp|aspx?|sh|py|pl|cgi|phtml)\b",
    re.I,
)
_CODE_EXEC = lazy(
    r"\b(?:system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec|os\.system|"
    r"os\.popen|subprocess\.\w+|runtime\.getruntime\(\)\.exec|child_process|"
    r"assert|eval)\s{0,32}\(\s{0,32}[\"'`$]",
    re.I,
)
_SSI = lazy(r"<!--\s{0,32}#\s{0,32}(?:exec|include|echo|config)\b", re.I)
_BARE = lazy(
    r"^\s{0,32}(?:" + _PATH_CMD + r"|cat|type|more|ping|nc|ncat|curl|wget|sleep|ls|dir|id|whoami|"
    r"uname|nslookup|powershell|cmd(?:\.exe)?|bash|sh)"
    r"(?:\s{1,8}-{1,2}[a-z]{1,12}(?:\s{1,8}[^\s-]\S{0,40})?){0,6}\s{1,8}"
    r"(?P<arg>\S[^;|&]{0,120})$",
    re.I,
)
# a command line with an option: "ls -l /tmp", "ipconfig /all", "nc -lvvp 4444 -e /bin/sh"
_WITH_OPTION = lazy(
    r"(?:^|[;&|`\n][ \t]{0,8})"
    r"(?:ls|cat|nc|ncat|netcat|ping|curl|wget|perl|python[23]?|ruby|php|bash|sh|"
    r"ipconfig|ifconfig|netstat|nslookup|uname|id|ps|find|chmod|powershell|cmd|certutil|"
    r"systeminfo|tasklist)(?:\.exe)?\s{1,8}(?:-{1,2}[a-z]{1,12}|/[a-z?]{1,8})(?:\s|$)",
    re.I,
)
_WINDOWS_ADMIN = lazy(
    r"(?:^|[;&|`\n][ \t]{0,8})"
    r"(?:net\s+(?:user|localgroup|view|share|use|start|stop|session|group)\b|"
    r"netsh\s+\w+|reg\s+(?:add|query|delete)\b|sc\s+(?:create|config|start)\b|"
    r"wmic\s+\w+|schtasks\s+/)",
    re.I,
)
_TOOL_ALONE = lazy(
    r"^\s{0,32}(?:ifconfig|ipconfig|netstat|whoami|systeminfo|uname|hostname|tasklist|"
    r"which\s+(?:curl|wget|nc|netcat|ncat|gcc|cc|perl|python[23]?|ruby|php|bash|sh|socat))\s{0,32}$",
    re.I,
)
_PHP = lazy(
    r"<\?(?:php|=)|\$_(?:get|post|request|cookie|server|files)\s{0,32}\[|"
    r"\bphpinfo\s{0,32}\(\s{0,32}\)|"
    # PHP complex interpolation runs code inside eval'd or double-quoted strings: {${f()}}, ${@f()}
    r"\{\$\{\s{0,32}@?[a-z_]\w{0,40}\s{0,32}\(|\$\{\s{0,32}@[a-z_]\w{0,40}\s{0,32}\(",
    re.I,
)
# PyYAML / ruamel unsafe tags: loading them constructs arbitrary Python objects (code execution)
_YAML_PYTHON = lazy(r"!!python/(?:object(?:/new|/apply)?|name|module)\s{0,8}:", re.I)
_SUSPICIOUS_ARG = lazy(
    r"/etc/|/proc/|/bin/|c:\\|%systemroot%|\\windows\\|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|"
    r"https?://|^-[a-z]|\$\w",
    re.I,
)
# A trailing number (a delay, a port, a count: "; sleep 0.5", "nc 4444", "curl evil 80") makes a
# command line suspicious, unless the command is also an everyday word ("; call 1 if needed").
_NUMBER_ARG = lazy(r"\b\d+\s{0,32}$")
_LAST_WORD = lazy(r"([a-z][\w.-]*)[^a-z]*$")
_EVERYDAY_WORDS = frozenset({
    "call", "set", "start", "type", "more", "less", "head", "tail", "find", "last", "who", "w",
    "host", "dig", "touch", "export", "echo", "net",
})  # fmt: skip
_WIN_ENV = lazy(r"%(?:systemroot|windir|comspec|programfiles|userprofile|temp)%", re.I)


_SEPARATORS = (";", "|", "&", "\n", "\r", "`", "$(", "%0a", "%0d", "\\n")
# (rule, confidence, pattern, substrings one of which the pattern cannot match without)
_SIGNATURES = (
    ("cmdi.subshell", 0.85, _SUBSHELL, ("$(", "`", "$ifs", "${")),
    ("cmdi.shellshock", 0.95, _SHELLSHOCK, ("{",)),
    ("cmdi.brace-expansion", 0.85, _BRACE, ("{",)),
    ("cmdi.redirection", 0.75, _REDIRECT, ("/dev/", ">", "<(")),
    (
        "cmdi.code-exec",
        0.85,
        _CODE_EXEC,
        ("exec", "system", "passthru", "popen", "eval", "assert", "child_process", "getruntime"),
    ),
    ("cmdi.ssi", 0.9, _SSI, ("<!--",)),
    ("cmdi.windows-env", 0.7, _WIN_ENV, ("%",)),
    ("cmdi.command-option", 0.75, _WITH_OPTION, (" -", " /")),
    ("cmdi.windows-admin", 0.8, _WINDOWS_ADMIN, ("net", "reg ", "sc ", "wmic", "schtasks")),
    ("cmdi.php-code", 0.8, _PHP, ("<?", "$_", "phpinfo", "${")),
    ("cmdi.yaml-python-object", 0.9, _YAML_PYTHON, ("!!python/",)),
    (
        "cmdi.tool-name",
        0.6,
        _TOOL_ALONE,
        ("config", "netstat", "whoami", "systeminfo", "uname", "hostname", "tasklist", "which"),
    ),
)


_SEPARATORS_SPLIT = split_needles(_SEPARATORS)
_SIGNATURES = tuple(
    (rule, conf, pattern, split_needles(needles)) for rule, conf, pattern, needles in _SIGNATURES
)
# _CODE_EXEC cannot match without one of these (after its "(")
_CODE_EXEC_QUOTES = frozenset("\"'`$")


def _signature_screen(code_exec: bool) -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    """One needle of each signature's needles (the code-exec signature's only if `code_exec`),
    kept only when no other one lies inside it: a text with none of these has no needle of
    those signatures."""
    every = {
        n
        for rule, _, _, split in _SIGNATURES
        if code_exec or rule != "cmdi.code-exec"
        for n in split[0] + split[1]
    }
    return split_needles(
        tuple(sorted(n for n in every if not any(o != n and o in n for o in every)))
    )


_ANY_SIGNATURE = _signature_screen(code_exec=True)
_ANY_BUT_CODE_EXEC = _signature_screen(code_exec=False)


# Every _AFTER_SEP match starts with one of these characters. The regex engine cannot tell (the
# pattern opens with an alternation and a lookbehind) and tries each position: jumping to the
# candidates and matching there finds the same leftmost match several times faster.
_SEP_START = lazy(r"[;&|\n\r`$%\\]")


def _after_sep(text: str) -> re.Match[str] | None:
    for tried, candidate in enumerate(_SEP_START.finditer(text)):
        if tried == 16:  # separator-dense input: let the engine search the rest in C
            return _AFTER_SEP.search(text, candidate.start())
        m = _AFTER_SEP.match(text, candidate.start())
        if m is not None:
            return m
    return None


def detect(text: str, low: str, marks: str | frozenset[str]) -> list[Hit]:
    hits: list[Hit] = []
    if has_marked(low, marks, _SEPARATORS_SPLIT):
        m = _after_sep(text)
        if (m is None or not _plausible(m)) and ("'" in text or '"' in text):
            m = _after_sep(text.replace("'", "").replace('"', ""))
        if m and _plausible(m):
            hits.append(Hit("cmdi.separator-command", 0.9, m.start(), m.end()))
    screen = _ANY_BUT_CODE_EXEC if _CODE_EXEC_QUOTES.isdisjoint(marks) else _ANY_SIGNATURE
    signatures = _SIGNATURES if has_marked(low, marks, screen) else ()
    for rule, conf, pattern, needles in signatures:
        if not has_marked(low, marks, needles):
            continue
        found = pattern.search(text)
        if found:
            hits.append(Hit(rule, conf, found.start(), found.end()))
    if not hits:
        m = _BARE.match(text)
        if m and _suspicious(m.group("arg"), _before_arg(m)):
            hits.append(Hit("cmdi.command-line", 0.7, m.start(), m.end()))
    return hits


def _plausible(m: re.Match[str]) -> bool:
    """'&' and ';' are common in prose and query strings: need the command to look like one."""
    sep = m.group()[:1]
    word_end = m.end() if m.group("arg") is None else m.start("arg")
    if sep in "`$%\\" or m.group()[:2] in ("&&", "||"):
        return True
    if sep in ";|" and not m.string[: m.start()].strip(" \t'\""):
        return True  # a value that opens with a separator and a command is no prose
    if sep in "\r\n":
        return "/" in m.group() or _suspicious(m.group("arg"), _before_arg(m))
    tail = m.string[word_end : word_end + 1]
    if tail in ("", "\n", ";", "|", "&", "`", "'", '"', ")"):
        return True
    return _suspicious(m.group("arg"), _before_arg(m))


def _before_arg(m: re.Match[str]) -> str:
    return m.string[m.start() : m.start("arg") if m.group("arg") is not None else m.end()]


def _suspicious(arg: str | None, command: str) -> bool:
    """`command`: the text before the argument, ending with the command word."""
    if arg is None:
        return False
    arg = arg.strip()
    if _SUSPICIOUS_ARG.search(arg) is not None:
        return True
    if _NUMBER_ARG.search(arg) is None:
        return False
    word = _LAST_WORD.search(command.lower())
    return word is not None and word.group(1) not in _EVERYDAY_WORDS


_SHELL_CHARS = frozenset(";|&\n\r`$<>{(%\\!")
_BARE_PREFIXES = (
    "/bin/", "/usr/", "/sbin/", "c:", "cat", "type", "more", "ping", "nc", "ncat", "curl",
    "wget", "sleep", "ls", "dir", "id", "whoami", "uname", "nslookup", "powershell", "cmd",
    "bash", "sh", "ifconfig", "ipconfig", "netstat", "net", "perl", "python", "ruby", "php",
    "ps", "find", "chmod", "certutil", "systeminfo", "tasklist", "hostname", "reg ", "sc ",
    "wmic", "schtasks", "echo", "which",
)  # fmt: skip


# the prefixes by their first character: one startswith over the few that can match
_BARE_BY_FIRST = {
    first: tuple(p for p in _BARE_PREFIXES if p[0] == first)
    for first in {p[0] for p in _BARE_PREFIXES}
}


def gate(low: str, chars: str | frozenset[str]) -> bool:
    if not _SHELL_CHARS.isdisjoint(chars):
        return True
    stripped = low.lstrip()
    return stripped.startswith(_BARE_BY_FIRST.get(stripped[:1], ()))
