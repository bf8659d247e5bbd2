"""Cross-site scripting: tags, event handlers, script URLs and JS sinks in decoded text."""

from __future__ import annotations

import re

from ._hit import Hit, has_marked, lazy, split_needles

_SCRIPT_TAG = lazy(r"<\s{0,32}/?\s{0,32}script\b|<\s{0,32}/\s{0,32}script\s{0,32}>", re.I)
_DANGEROUS_TAG = lazy(
    r"<\s{0,32}(?:iframe|frame|frameset|object|embed|applet|base|meta|link|import|isindex|xml|"
    r"svg|math|template|portal|marquee|animate|set|handler|listener|style|form|xss|"
    r"bgsound|layer|ilayer|vmlframe|image)\b",
    re.I,
)
# A tag opener followed (within the same tag, bounded) by an on* attribute.
_TAG_EVENT = lazy(r"<[a-z!/?][^<>]{0,400}?[^\w<>-]on[a-z]{3,30}\s{0,32}=", re.I)
_ANY_EVENT = lazy(
    r"(?:^|[\s\"'/`;])(on[a-z]{3,30})\s{0,32}=\s{0,32}[\"'`]?\s{0,32}([a-z_$][\w$.]*)", re.I
)
_SCHEME = lazy(r"(?:java|vb|live|mocha)script:|data:\s{0,32}text/html|data:[^,]{0,60};base64", re.I)
# what follows a script scheme in an attack: code, not prose ("JavaScript: Basics of ...")
_SCRIPT_BODY = lazy(r"[\s\x00-\x1f]{0,8}[^\s]{0,60}[(`=\[\]/;&%\\]|[^\s]")
_SCHEME_STRIP = lazy(r"[\s\x00-\x1f]+")
_SINK = lazy(
    r"(?:^|[^\w.$])(?:alert|prompt|confirm|eval|settimeout|setinterval|"
    r"string\.fromcharcode|document\.(?:write|cookie|domain|location)|window\.location|"
    r"location\.(?:hash|href)|top\[|self\[|parent\[|constructor\.constructor)"
    r"\s{0,32}(?:[(`=\[.]|\))",
    re.I,
)
# alert(1), prompt`1`, (confirm)(1), find(alert), a=alert: calling the classic probes
_PROBE_CALL = lazy(
    r"(?:^|[^\w.$])\(?(?:alert|prompt|confirm)\)?\s{0,32}(?:\(\s{0,32}(?:[\d'\"`/(\[]|document|window|"
    r"string|this|top|self|location|navigator|[a-z]\))|`)"
    r"|[(=,]\s{0,32}(?:alert|prompt|confirm|eval)\s{0,32}[),;]"
    r"|(?:^|[^\w.$])(?:top|self|parent|window|frames|globalthis)\s{0,32}\[[^\]]{1,80}\]\s{0,32}\(",
    re.I,
)
_HTML_TAG = lazy(
    r"<\s{0,32}/?\s{0,32}(?:a|abbr|address|area|article|aside|audio|b|bdo|blockquote|body|br|button|canvas|"
    r"caption|center|circle|code|col|dd|del|details|dialog|div|dl|dt|em|fieldset|figure|font|"
    r"footer|h[1-6]|head|header|hr|html|i|img|input|ins|kbd|keygen|label|legend|li|main|map|"
    r"menu|nav|noscript|ol|optgroup|option|output|p|param|path|picture|plaintext|pre|q|rect|s|"
    r"samp|section|select|small|source|span|strong|sub|summary|sup|table|tbody|td|textarea|"
    r"tfoot|th|thead|title|tr|track|u|ul|var|video|xmp|feimage|doc|x|html:\w+|svg:\w+)"
    r"(?:\s+[\w:-]{1,40}\s{0,32}=|\s{0,32}/?>)",
    re.I,
)
_PI = lazy(
    r"<\?(?:import|xml-stylesheet|xml:namespace)|<!--\s{0,32}\[if|\bdata(?:src|fld|formatas)\s{0,32}=",
    re.I,
)
_CSS = lazy(r"expression\s{0,32}\(|-moz-binding|behavior\s{0,32}:\s{0,32}url|@import", re.I)
_TAG_ANY = lazy(r"<[a-z][\w:-]{0,30}[\s/>]", re.I)

_EVENT_NAMES = """abort activate afterprint afterupdate animationend animationiteration
    animationstart
    auxclick beforeactivate beforecopy beforecut beforedeactivate beforeeditfocus beforepaste
    beforeprint beforeunload beforeupdate begin blur bounce cellchange change click contextmenu
    controlselect copy cut dataavailable datasetchanged datasetcomplete dblclick deactivate drag
    dragend dragenter dragleave dragover dragstart drop end error errorupdate filterchange
    finish focus focusin focusout hashchange help input invalid keydown keypress keyup
    layoutcomplete load losecapture message mousedown mouseenter mouseleave mousemove mouseout
    mouseover mouseup mousewheel move moveend movestart offline online outofsync pagehide
    pageshow paste pause play playing popstate progress propertychange readystatechange redo
    repeat reset resize resizeend resizestart resume reverse rowdelete rowexit rowinserted
    rowsenter scroll search seek select selectionchange selectstart start stop storage submit
    syncrestored timeerror toggle touchend touchmove touchstart transitionend undo unload
    urlflip wheel pointerdown pointerup pointerover pointerenter loadstart loadend
    canplay durationchange emptied ended loadeddata loadedmetadata ratechange seeked seeking
    stalled suspend timeupdate volumechange waiting show cuechange formdata
    afterscriptexecute beforescriptexecute animationcancel beforeinput beforetoggle beforematch
    canplaythrough cancel close dragdrop dragexit fullscreenchange mozfullscreenchange
    webkitfullscreenchange mediacomplete mediaerror trackchange pointerleave pointermove
    pointerout pointercancel pointerrawupdate gotpointercapture lostpointercapture scrollend
    transitioncancel transitionrun transitionstart webkitanimationend webkitanimationiteration
    webkitanimationstart webkittransitionend unhandledrejection rejectionhandled messageerror
    securitypolicyviolation slotchange visibilitychange languagechange orientationchange
    devicemotion deviceorientation compositionstart compositionupdate compositionend
    contentvisibilityautostatechange pagereveal pageswap scrollsnapchange scrollsnapchanging"""
EVENTS = frozenset(_EVENT_NAMES.split())
# A value that is nothing but an encoded "<" (zero-padded numeric entity, JS/CSS escape, percent
# encoding): a filter-evasion probe, never plain data. A bare "<" or "&lt;" is not flagged.
_ENCODED_LT = lazy(
    r"\s*(?:&#0*60;?|&#x0*3c;?|\\x3c|\\u0*3c|\\u\{0*3c\}|\\0*3c|%(?:25)*3c)\s*", re.I
)


def is_handler_name(low: str) -> bool:
    """`low` is exactly a DOM event handler attribute name ("onmouseover"): a probe for which
    handlers a filter lets through."""
    return low[:2] == "on" and low[2:] in EVENTS


_SIGNATURES = (
    ("xss.script-tag", 0.95, _SCRIPT_TAG, ("script",)),
    ("xss.tag-event-handler", 0.9, _TAG_EVENT, ("<",)),
    ("xss.dangerous-tag", 0.75, _DANGEROUS_TAG, ("<",)),
    ("xss.css-expression", 0.8, _CSS, ("expression", "-moz-binding", "behavior", "@import")),
    ("xss.probe-call", 0.7, _PROBE_CALL, ("alert", "prompt", "confirm", "eval", "[")),
    ("xss.legacy-markup", 0.7, _PI, ("<?", "<!--", "data")),
)
_SIGNATURES = tuple(
    (rule, conf, pattern, split_needles(needles)) for rule, conf, pattern, needles in _SIGNATURES
)
_SINK_NEEDLES = (
    "alert",
    "prompt",
    "confirm",
    "eval",
    "settimeout",
    "setinterval",
    "fromcharcode",
    "document.",
    "location",
    "top[",
    "self[",
    "parent[",
    "constructor",
)

_SINK_SPLIT = split_needles(_SINK_NEEDLES)


def detect(text: str, low: str, marks: str | frozenset[str]) -> list[Hit]:
    hits: list[Hit] = []
    if len(low) <= 40:
        probe = low.strip()
        if is_handler_name(probe):
            return [Hit("xss.handler-probe", 0.4, 0, len(text))]
        if _ENCODED_LT.fullmatch(text):
            return [Hit("xss.encoded-bracket-probe", 0.4, 0, len(text))]
    for rule, conf, pattern, needles in _SIGNATURES:
        if has_marked(low, marks, needles):
            m = pattern.search(text)
            if m:
                hits.append(Hit(rule, conf, m.start(), m.end()))
    m = _ANY_EVENT.search(text) if "on" in low and "=" in low else None
    if m and m.group(1).lower()[2:] in EVENTS:
        hits.append(Hit("xss.event-handler", 0.8, m.start(1), m.end()))
    if "script" in low or "data:" in low:
        _script_url(text, hits)
    if not hits and "<" in low:
        m = _HTML_TAG.search(text)
        if m:
            hits.append(Hit("xss.html-tag", 0.5, m.start(), m.end()))
    m = _SINK.search(text) if has_marked(low, marks, _SINK_SPLIT) else None
    if m and (hits or _breaks_out(text, m.start())):
        hits.append(Hit("xss.js-sink", 0.7, m.start(), m.end()))
    return hits


def _script_url(text: str, hits: list[Hit]) -> None:
    if ":" not in text:
        return
    m = _SCHEME.search(text)
    if m is None:
        squeezed = _SCHEME_STRIP.sub("", text)
        if squeezed == text:
            return
        m = _SCHEME.search(squeezed)
        if m is None:
            return
        hits.append(Hit("xss.script-url", 0.85, 0, min(len(text), 40)))
        return
    if _SCRIPT_BODY.match(text, m.end()):
        hits.append(Hit("xss.script-url", 0.9, m.start(), m.end()))


def _breaks_out(text: str, pos: int) -> bool:
    """A JS sink counts alone when the input tries to leave a string or tag context first."""
    head = text[:pos]
    return any(c in head for c in "\"'`;>") or bool(_TAG_ANY.search(text))


_BREAKERS = frozenset("\"'`;>")


_PROBES = (
    "alert",
    "prompt",
    "confirm",
    "eval",
    "top[",
    "self[",
    "parent[",
    "window[",
    "frames[",
    "globalthis[",
)


_PROBES_SPLIT = split_needles(_PROBES)
# _ENCODED_LT cannot match without one of these
_ENCODERS = frozenset("&\\%")


def gate(low: str, chars: str | frozenset[str]) -> bool:
    if "<" in chars or "script" in low or (":" in chars and "data:" in low) or "expression" in low:
        return True
    if ("(" in chars or "`" in chars) and has_marked(low, chars, _PROBES_SPLIT):
        return True
    if "=" in chars and "on" in low:
        return True
    if len(low) <= 40 and (
        is_handler_name(low.strip())
        or (not _ENCODERS.isdisjoint(chars) and _ENCODED_LT.fullmatch(low))
    ):
        return True
    return ("(" in chars or "`" in chars) and not _BREAKERS.isdisjoint(chars)
