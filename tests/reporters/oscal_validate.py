#!/usr/bin/python3
"""Validate an OSCAL JSON document against an OSCAL JSON Schema.

Usage: validate.py [-v] SCHEMA DOC

Exit status: 0 = valid, 1 = invalid (every error printed as "PATH: message"),
             2 = usage / unreadable input.

Runs on Debian's python3-jsonschema (4.10.x). No pip packages needed.
Optional: Debian python3-rfc3987 enables the library's strict "uri" and
"uri-reference" format checks; without it a built-in RFC 3986 check is used.

Why the schema's regexes are rewritten
--------------------------------------
JSON Schema says "pattern" is an ECMA-262 regex, while jsonschema evaluates it
with Python's `re` (re.search).  The OSCAL 1.0.6 schemas differ from Python
semantics in these places, and every "pattern" string is translated (once,
after loading, on an in-memory copy) by ecma_to_python() below:

  ECMA-262 (u flag)   Python replacement                        why
  \\p{L}               [<all code points of category L*>]       `re` has no \\p{..}
  \\p{N}               [<all code points of category N*>]       `re` has no \\p{..}
  \\S / \\s             [^<ECMA WhiteSpace+LineTerminator>] / [..] Python's \\s set differs
                                                                 (U+FEFF, U+001C-1F)
  .  (outside [..])   [^\\n\\r\\u2028\\u2029]                      Python's . also matches
                                                                 \\r, U+2028, U+2029
  $  (outside [..])   \\Z                                        Python's $ also matches
                                                                 before a final "\\n"

\\p{L} is letters = Lu|Ll|Lt|Lm|Lo; \\p{N} is numbers = Nd|Nl|No.  Both classes
are generated from this Python's unicodedata (Unicode 14.0 on Python 3.11) as
explicit code-point ranges.  The popular shortcut [^\\W\\d_] is NOT used:
in Python it is "alphabetic or non-decimal numeric", i.e. it also accepts Nl/No
characters such as U+00B2 (superscript two) that \\p{L} rejects.  In the 1.0.6
schema \\p{...} only appears outside brackets (TokenDatatype:
^(\\p{L}|_)(\\p{L}|\\p{N}|[.\\-_])*$ ), but the translator also handles the
in-bracket case by splicing the ranges into the enclosing class.
Run with -v to print every pattern before and after the rewrite.
"""
import json
import re
import sys
import unicodedata
from datetime import datetime

import jsonschema
from jsonschema import validators, FormatChecker

# --------------------------------------------------------------------------
# Regex translation ECMA-262 -> Python re
# --------------------------------------------------------------------------

def _ranges_for(categories):
    """Body of a character class ("a-zA-Z...") of all code points whose
    general category starts with one of `categories` (e.g. ("L",))."""
    out, start, prev = [], None, None
    for cp in range(sys.maxunicode + 1):
        ok = unicodedata.category(chr(cp))[0] in categories
        if ok and start is None:
            start = cp
        if not ok and start is not None:
            out.append((start, prev))
            start = None
        prev = cp
    if start is not None:
        out.append((start, prev))

    def esc(cp):
        return "\\U%08x" % cp

    return "".join(esc(a) if a == b else esc(a) + "-" + esc(b) for a, b in out)


_BODY = {}


def _body(name):
    if name not in _BODY:
        if name == "L":
            _BODY[name] = _ranges_for(("L",))
        elif name == "N":
            _BODY[name] = _ranges_for(("N",))
        else:
            raise ValueError("unsupported Unicode property \\p{%s}" % name)
    return _BODY[name]


# ECMA-262 WhiteSpace + LineTerminator (what \s matches with or without /u)
_ECMA_WS = ("\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029"
            "\\u202f\\u205f\\u3000\\ufeff")
_ECMA_DOT = "[^\\n\\r\\u2028\\u2029]"


def ecma_to_python(pat):
    """Translate one ECMA-262 pattern (as used in the OSCAL schemas) to an
    equivalent Python `re` pattern.  Raises ValueError on constructs it does
    not know how to translate exactly (\\P{..}, \\S inside a class, ...)."""
    out, i, in_class = [], 0, False
    while i < len(pat):
        c = pat[i]
        if c == "\\":
            nxt = pat[i + 1]
            if nxt in "pP":
                m = re.match(r"\\[pP]\{([A-Za-z_=]+)\}", pat[i:])
                if not m:
                    raise ValueError("bad \\p escape in %r" % pat)
                if nxt == "P":
                    raise ValueError("\\P{..} not supported: %r" % pat)
                body = _body(m.group(1))
                out.append(body if in_class else "[" + body + "]")
                i += len(m.group(0))
                continue
            if nxt in "sS":
                if in_class:
                    if nxt == "S":
                        raise ValueError("\\S inside [] not supported: %r" % pat)
                    out.append(_ECMA_WS)
                else:
                    out.append(("[" if nxt == "s" else "[^") + _ECMA_WS + "]")
                i += 2
                continue
            if nxt in "dDwW":
                # ECMA \d and \w are ASCII-only even with the u flag
                body = "0-9" if nxt in "dD" else "A-Za-z0-9_"
                if in_class:
                    if nxt in "DW":
                        raise ValueError("\\%s inside [] not supported: %r" % (nxt, pat))
                    out.append(body)
                else:
                    out.append(("[" if nxt in "dw" else "[^") + body + "]")
                i += 2
                continue
            if nxt in "bB" and not in_class:
                out.append("(?a:\\" + nxt + ")")
                i += 2
                continue
            out.append(pat[i:i + 2])   # \. \- \+ \/ ... mean the same in re
            i += 2
            continue
        if in_class:
            if c == "]":
                if out and out[-1] in ("[", "[^"):
                    # ECMA "[]" / "[^]" (empty / any) differ from re's literal "]"
                    raise ValueError("empty class not supported: %r" % pat)
                in_class = False
            elif c == "[":
                out.append("\\[")      # literal in ECMA; avoid re's FutureWarning
                i += 1
                continue
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            if pat[i + 1:i + 2] == "^":
                out.append("[^")
                i += 2
                continue
            out.append("[")
            i += 1
            continue
        if c == ".":
            out.append(_ECMA_DOT)
        elif c == "$":
            out.append("\\Z")
        else:
            out.append(c)
        i += 1
    return "".join(out)


ORIGINAL_PATTERN = {}   # translated pattern -> schema's ECMA-262 original


def rewrite_patterns(node, log):
    """Walk the loaded schema; translate every "pattern" string in place.
    (Only the value of a "pattern" keyword is touched; a property that happens
    to be *named* "pattern" under "properties" is left alone.)"""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "pattern" and isinstance(v, str):
                new = ecma_to_python(v)
                re.compile(new)
                log.append((v, new))
                node[k] = new
                ORIGINAL_PATTERN[new] = v
            elif k == "properties" and isinstance(v, dict):
                for sub in v.values():
                    rewrite_patterns(sub, log)
            else:
                rewrite_patterns(v, log)
    elif isinstance(node, list):
        for v in node:
            rewrite_patterns(v, log)


# --------------------------------------------------------------------------
# Format checkers
# --------------------------------------------------------------------------

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
    r"([Zz]|[+-](\d{2}):(\d{2}))\Z")


def _is_datetime(instance):
    """RFC 3339 date-time (what JSON Schema 'date-time' means)."""
    if not isinstance(instance, str):
        return True
    m = _RFC3339.match(instance)
    if not m:
        return False
    y, mo, d, h, mi, s = (int(m.group(k)) for k in range(1, 7))
    try:
        datetime(y, mo, d, h, mi, min(s, 59))  # leap second 60 allowed
    except ValueError:
        return False
    if s > 60 or (m.group(9) and (int(m.group(9)) > 23 or int(m.group(10)) > 59)):
        return False
    return True


_PCT = r"%[0-9A-Fa-f]{2}"
_URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%s)*\Z" % _PCT)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+\-.]*:")


def _fallback_uri_ref(instance):
    if not isinstance(instance, str):
        return True
    if not _URI_CHARS.match(instance):
        return False
    # at most one '#'; no '[' ']' outside an authority's IP literal
    if instance.count("#") > 1:
        return False
    if not _SCHEME.match(instance):
        first = instance.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        if ":" in first and not instance.startswith("//"):
            return False  # relative-ref's first segment must not contain ':'
    return True


def _fallback_uri(instance):
    if not isinstance(instance, str):
        return True
    return bool(_SCHEME.match(instance)) and _fallback_uri_ref(instance)


_UUID = re.compile(r"^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}\Z")


def make_format_checker(cls, log):
    fc = FormatChecker(formats=())
    fc.checkers = dict(cls.FORMAT_CHECKER.checkers)
    have = set(fc.checkers)
    if "date-time" not in have:   # needs rfc3339-validator (not in Debian 12)
        fc.checks("date-time")(_is_datetime)
        log.append("date-time: built-in RFC 3339 check")
    else:
        log.append("date-time: jsonschema (rfc3339-validator)")
    if "uri" not in have:
        fc.checks("uri")(_fallback_uri)
        log.append("uri: built-in RFC 3986 character/scheme check")
    else:
        log.append("uri: jsonschema (rfc3987)")
    if "uri-reference" not in have:
        fc.checks("uri-reference")(_fallback_uri_ref)
        log.append("uri-reference: built-in RFC 3986 character check")
    else:
        log.append("uri-reference: jsonschema (rfc3987)")
    if "uuid" not in have:        # not used by OSCAL 1.0.6 (UUIDs are patterns)
        fc.checks("uuid")(lambda s: not isinstance(s, str) or bool(_UUID.match(s)))
    log.append("email: jsonschema (contains '@')" if "email" in have else "email: none")
    return fc


# --------------------------------------------------------------------------

def _path(err):
    p = "$"
    for part in err.absolute_path:
        p += "[%d]" % part if isinstance(part, int) else "." + str(part)
    return p


def _short(v, n=120):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[:n] + "..."


def _describe(err, indent="    "):
    lines = []
    for sub in sorted(err.context or [], key=lambda e: list(e.schema_path)):
        if sub.validator == "pattern":
            msg = "%s does not match %s" % (
                _short(sub.instance), ORIGINAL_PATTERN.get(sub.validator_value, "pattern"))
        else:
            msg = sub.message
        lines.append("%s- alternative %s: %s" % (indent, sub.schema_path[0]
                                                  if sub.schema_path else "?", msg))
        lines += _describe(sub, indent + "  ")
    return lines


def main(argv):
    verbose = False
    args = [a for a in argv[1:] if a != "-v"]
    verbose = len(args) != len(argv) - 1
    if len(args) != 2:
        sys.stderr.write(__doc__.split("\n\n")[0] + "\n" + "Usage: validate.py [-v] SCHEMA DOC\n")
        return 2
    try:
        with open(args[0], encoding="utf-8") as f:
            schema = json.load(f)
        with open(args[1], encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        sys.stderr.write("error: %s\n" % e)
        return 2

    rewrites, fmt_log = [], []
    rewrite_patterns(schema, rewrites)
    cls = validators.validator_for(schema)          # Draft7Validator for OSCAL 1.0.6
    cls.check_schema(schema)
    fc = make_format_checker(cls, fmt_log)
    if verbose:
        print("validator: %s (jsonschema %s)" % (cls.__name__,
              __import__("importlib.metadata").metadata.version("jsonschema")))
        for old, new in rewrites:
            if "\\p{" in old:
                shown = new
                for name in ("L", "N"):
                    if name in _BODY:
                        shown = shown.replace(_BODY[name], "<%s: %d ranges>" % (
                            name, _BODY[name].count("\\U") - _BODY[name].count("-\\U")))
                print("\\p pattern: %s\n  -> %s   (%d chars in full)" % (old, shown, len(new)))
            else:
                print("pattern: %s\n  -> %s" % (old, new))
        for line in fmt_log:
            print("format " + line)

    v = cls(schema, format_checker=fc)
    errors = sorted(v.iter_errors(doc), key=lambda e: (list(map(str, e.absolute_path)),
                                                       list(map(str, e.schema_path))))
    if not errors:
        print("VALID: %s" % args[1])
        return 0
    print("INVALID: %s (%d error%s)" % (args[1], len(errors), "" if len(errors) == 1 else "s"))
    for e in errors:
        if e.validator == "pattern":
            msg = "%s does not match %s" % (
                _short(e.instance), ORIGINAL_PATTERN.get(e.validator_value, "pattern"))
        else:
            msg = e.message if len(e.message) < 300 else e.message[:300] + "..."
        print("%s: %s" % (_path(e), msg))
        for line in _describe(e):
            print(line)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
