#!/usr/bin/env python3
"""The TOML-aware part of apply-config.sh: hash, render, token merge, diff and restart decision.

Python 3.11+ standard library only (tomllib). Never prints a secret: key paths, runner names
that hold none (else a hash of the name), parameter names and hashes only. Errors go to stderr as `error: ...` with exit status 2 (3: stale).

Parameter Store, per manager fleet, prefix P: P/template (config.toml with ${name} placeholders,
name [a-z][a-z0-9_]*), P/values (JSON {name: literal | {"secureParameter": "/path"}}), P/manifest
(JSON {"hash": ...}, written last by the deploy).

The config hash (byte-compatible with configHash(template, values) in
functions/shared/runner-config/render.ts): sha256 hex of the UTF-8 bytes of
    template + "\\n\\0\\n" + json.dumps(values, sort_keys=True, separators=(",", ":"))
i.e. the values with keys sorted at every level, no spaces, non-ASCII escaped as \\uXXXX.

Commands (the work dir holds the get-parameter JSON responses, mode 0600, in a 0700 dir):
  hash TEMPLATE VALUES        print the hash of two plain files (for tests and by hand)
  prepare WORK EXPECTED       check the hash against the manifest and EXPECTED (may be empty);
                              print HASH and one SECRET<TAB>name<TAB>path line per secure value
  plan WORK CURRENT HISTORY   render with WORK/secret-<name>.json, keep rotated tokens, write
                              WORK/config.toml, WORK/history.json and WORK/rotated-<n>, and print
                              STATUS, CHANGE, RESTART and ROTATED lines (see plan()).
"""
import datetime
import hashlib
import json
import os
import re
import sys
import tomllib

PLACEHOLDER = re.compile(r"\$\{([a-z][a-z0-9_]*)\}")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
TOKEN_FIELDS = ("token", "token_obtained_at", "token_expires_at")
SENTINEL = "__runner_autopilot_secret_%s__"
HISTORY_PER_RUNNER = 10


class Failure(Exception):
    pass


def config_hash(template, values):
    canonical = template + "\n\0\n" + json.dumps(values, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def parameter_value(path, what):
    """Parameter.Value of a saved `aws ssm get-parameter --output json` response."""
    try:
        value = json.loads(read(path))["Parameter"]["Value"]
    except (OSError, ValueError, KeyError, TypeError):
        raise Failure(f"cannot read the {what} parameter's value") from None
    if not isinstance(value, str):
        raise Failure(f"the {what} parameter's value is not a string")
    return value


def check_values(values):
    if not isinstance(values, dict):
        raise Failure("values must be a JSON object")
    for name, value in values.items():
        if not NAME.match(name):
            raise Failure(f"value name {clean(name)!r} does not match [a-z][a-z0-9_]*")
        if isinstance(value, str):
            continue
        path = value.get("secureParameter") if isinstance(value, dict) else None
        if not (isinstance(path, str) and path.startswith("/") and len(value) == 1):
            raise Failure("value " + name + ' must be a string or an object with only "secureParameter": "/path"')


def secure_refs(values):
    return {n: v["secureParameter"] for n, v in values.items() if isinstance(v, dict)}


def clean(text, limit=80):
    """A name safe to print on one line (runner names and keys only, never values)."""
    return re.sub(r"[^\x21-\x7e ]", "?", str(text))[:limit]


def prepare(work, expected):
    template = parameter_value(os.path.join(work, "template.json"), "template")
    try:
        values = json.loads(parameter_value(os.path.join(work, "values.json"), "values"))
        manifest = json.loads(parameter_value(os.path.join(work, "manifest.json"), "manifest"))
    except ValueError:
        raise Failure("the values or manifest parameter is not valid JSON") from None
    check_values(values)
    actual = config_hash(template, values)
    recorded = manifest.get("hash") if isinstance(manifest, dict) else None
    print(f"HASH\t{actual}")
    if recorded != actual:
        print(f"STALE\tthe manifest records {clean(recorded, 64)}, template and values hash to {actual}")
        return 3
    if expected and expected != actual:
        print(f"STALE\texpected {expected}, Parameter Store holds {actual}")
        return 3
    with open(os.path.join(work, "template"), "w", encoding="utf-8") as f:
        f.write(template)
    with open(os.path.join(work, "values"), "w", encoding="utf-8") as f:
        json.dump(values, f)
    for name, path in sorted(secure_refs(values).items()):
        print(f"SECRET\t{name}\t{path}")
    return 0


def render(template, values, secrets):
    """The template with every ${name} replaced; `secrets` maps a secure name to its text."""
    missing = sorted({m for m in PLACEHOLDER.findall(template) if m not in values})
    if missing:
        raise Failure(f"unresolved placeholder(s): {', '.join(missing)}")

    def value(match):
        name = match.group(1)
        return secrets[name] if isinstance(values[name], dict) else values[name]

    return PLACEHOLDER.sub(value, template)


def parse(text, what):
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        # The message names a line and column, never the text around it.
        raise Failure(f"{what} is not valid TOML: {clean(e, 200)}") from None


# --- TOML output: tomllib only reads. The runner rewrites the file the same way (comments go).

BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_string(s):
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_key(k):
    return k if BARE_KEY.match(k) else toml_string(k)


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, str)):
        return str(v) if isinstance(v, int) else toml_string(v)
    if isinstance(v, float):
        return "nan" if v != v else ("inf" if v == float("inf") else "-inf" if v == float("-inf") else repr(v))
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise Failure(f"cannot write a {type(v).__name__} as TOML")


def is_table_array(v):
    return isinstance(v, list) and v and all(isinstance(x, dict) for x in v)


def toml_lines(table, prefix, out):
    for k, v in table.items():
        if not isinstance(v, dict) and not is_table_array(v):
            out.append(f"{toml_key(k)} = {toml_value(v)}")
    for k, v in table.items():
        header = ".".join(toml_key(p) for p in prefix + [k])
        if isinstance(v, dict):
            out += ["", f"[{header}]"]
            toml_lines(v, prefix + [k], out)
        elif is_table_array(v):
            for item in v:
                out += ["", f"[[{header}]]"]
                toml_lines(item, prefix + [k], out)


def dumps(data):
    lines = []
    toml_lines(data, [], lines)
    text = "\n".join(lines).lstrip("\n") + "\n"
    if tomllib.loads(text) != data:
        raise Failure("the written config would not read back as rendered")
    return text


# --- Runners: matching, identity, tokens


def runners(config):
    found = config.get("runners", [])
    return found if isinstance(found, list) else []


def labels(rs):
    names = [r.get("name") if isinstance(r.get("name"), str) and r.get("name") else None for r in rs]
    return names if None not in names and len(set(names)) == len(names) else None


def pair_runners(current, new):
    """[(label, current or None, new or None)]: by name when names are unique, else by position."""
    cur_names, new_names = labels(current), labels(new)
    if cur_names is not None and new_names is not None:
        by_name = dict(zip(cur_names, current))
        pairs = [(n, by_name.get(n), r) for n, r in zip(new_names, new)]
        return pairs + [(n, r, None) for n, r in zip(cur_names, current) if n not in new_names]
    width = max(len(current), len(new))
    return [
        (f"#{i}", current[i] if i < len(current) else None, new[i] if i < len(new) else None)
        for i in range(width)
    ]


def identity(r):
    return (r.get("url"), r.get("id") or 0)


def history_key(label, r):
    url, rid = identity(r)
    return f"{url}|{rid}" if rid else f"{url}|name:{label}"


def digest(token):
    return hashlib.sha256(str(token).encode("utf-8")).hexdigest()


def utc(t):
    if isinstance(t, datetime.datetime):
        return t if t.tzinfo else t.replace(tzinfo=datetime.timezone.utc)
    return None


def is_newer(file_runner, stored_runner):
    mine, stored = utc(file_runner.get("token_obtained_at")), utc(stored_runner.get("token_obtained_at"))
    if mine is None or mine.year <= 1:
        return False
    return stored is None or mine > stored


def public_names(template, values):
    """Runner names that hold no secret: the same when rendered with sentinels for the secrets."""
    secrets = {n: SENTINEL % n for n in secure_refs(values)}
    try:
        marked = tomllib.loads(render(template, values, secrets))
    except (tomllib.TOMLDecodeError, Failure):
        return set()
    names = {r.get("name") for r in runners(marked) if isinstance(r.get("name"), str)}
    return {n for n in names if SENTINEL.split("%s")[0] not in n}


def shown_name(name, public):
    """A runner name fit for output (kept in command history): itself when no secret is in it,
    else a hash of it. A name only in the current config.toml may hold an old secret: hashed."""
    return clean(name, 64) if name in public else f"name-sha256:{digest(name)[:12]}"


def scrub(text, secrets):
    """`text` with every secret value in it replaced by a hash of the value."""
    for value in sorted((v for v in secrets.values() if v), key=len, reverse=True):
        text = text.replace(value, f"sha256:{digest(value)[:12]}")
    return text


def token_parameters(template, values):
    """Runner index -> the secureParameter its token comes from, found with sentinel values."""
    secrets = {n: SENTINEL % n for n in secure_refs(values)}
    try:
        marked = tomllib.loads(render(template, values, secrets))
    except (tomllib.TOMLDecodeError, Failure):
        return {}
    paths = {SENTINEL % n: p for n, p in secure_refs(values).items()}
    return {i: paths[r.get("token")] for i, r in enumerate(runners(marked)) if r.get("token") in paths}


# --- Differences


def differences(old, new, path=""):
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for k in list(old) + [k for k in new if k not in old]:
            sub = f"{path}.{k}" if path else str(k)
            if k not in old or k not in new:
                found.append(sub)
            else:
                found += differences(old[k], new[k], sub)
        return found
    if is_table_array(old) and is_table_array(new) and len(old) == len(new):
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in differences(a, b, f"{path}[{i}]")]
    return [] if old == new else [path]


def without(table, keys):
    return {k: v for k, v in table.items() if k not in keys}


def plan(work, current_path, history_path):
    """Prints, in order: ROTATED<TAB>runner<TAB>parameter or -<TAB>value file (one per kept
    token), CHANGE<TAB>key path, RESTART<TAB>reason, then STATUS<TAB>new|in-sync|changed."""
    template = read(os.path.join(work, "template"))
    values = json.loads(read(os.path.join(work, "values")))
    secrets = {
        n: parameter_value(os.path.join(work, f"secret-{n}.json"), f"secure value {n}")
        for n in secure_refs(values)
    }
    final = parse(render(template, values, secrets), "the rendered config")
    current = parse(read(current_path), "the current config") if os.path.exists(current_path) else None
    try:
        history = json.loads(read(history_path)) if os.path.exists(history_path) else {}
    except ValueError:
        history = {}
    if not isinstance(history, dict):
        history = {}
    token_params = token_parameters(template, values)
    index = {id(r): i for i, r in enumerate(runners(final))}
    pairs = pair_runners(runners(current or {}), runners(final))
    by_name = labels(runners(current or {})) is not None and labels(runners(final)) is not None
    public = public_names(template, values)
    changes, restart, rotated = [], [], 0

    for label, cur, new in pairs:
        # Positional labels (#0, #1...) are ours; names are rendered values and may hold a secret.
        shown = shown_name(label, public) if by_name else label
        where = f"runners[{shown}]"
        if new is None:
            changes.append(where)
            restart.append(f"runner {shown} removed")
            continue
        seen = history.setdefault(history_key(label, new), [])
        stored = new.get("token")
        if cur is None:
            changes.append(where)
            restart.append(f"runner {shown} added")
        elif identity(cur) != identity(new):
            restart.append(f"runner {shown} identity (url/id) changed")
        elif cur.get("token") and cur.get("token") != stored:
            mine = cur["token"]
            if digest(stored) in seen and digest(mine) not in seen:
                keep = True  # the stored token is one this manager had before: the runner rotated it
            elif digest(mine) in seen and digest(stored) not in seen:
                keep = False  # a token this manager never had: set on purpose (reset, re-registration)
            else:
                keep = is_newer(cur, new)
            if keep:
                for field in TOKEN_FIELDS:
                    new.pop(field, None)
                    if field in cur:
                        new[field] = cur[field]
                rotated += 1
                value_file = os.path.join(work, f"rotated-{rotated}")
                fd = os.open(value_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(mine)
                param = token_params.get(index[id(new)], "-")
                print(f"ROTATED\t{shown}\t{param}\t{value_file}")
            elif not identity(new)[1]:
                restart.append(f"runner {shown} identity (token with id 0) changed")
        elif cur.get("token") == stored:
            # Same token: keep the rotation times the runner wrote, which the template lacks.
            for field in TOKEN_FIELDS[1:]:
                if field in cur and field not in new:
                    new[field] = cur[field]
        for token in (stored, new.get("token")):
            if token and digest(token) not in seen:
                seen.append(digest(token))
        del seen[:-HISTORY_PER_RUNNER]
        if cur is None:
            continue
        if cur.get("token") != new.get("token"):
            changes.append(f"{where}.token")
        for path in differences(without(cur, TOKEN_FIELDS), without(new, TOKEN_FIELDS)):
            changes.append(f"{where}.{path}")
            if path.startswith("autoscaler") and not path.startswith("autoscaler.policy"):
                if f"runner {shown} [runners.autoscaler]" not in restart:
                    restart.append(f"runner {shown} [runners.autoscaler]")

    if current is not None:
        for path in differences(without(current, ("runners",)), without(final, ("runners",))):
            changes.append(path)
            if path == "listen_address" or path.startswith("session_server"):
                restart.append("[session_server]" if path.startswith("session_server") else path)

    text = dumps(final)
    fd = os.open(os.path.join(work, "config.toml"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(work, "history.json"), "w", encoding="utf-8") as f:
        json.dump(history, f, sort_keys=True)
    # Key paths name keys, but a template may render a key from a secret too.
    for change in changes:
        print(f"CHANGE\t{scrub(change, secrets)}")
    for reason in dict.fromkeys(restart):
        print(f"RESTART\t{scrub(reason, secrets)}")
    print(f"STATUS\t{'new' if current is None else 'changed' if changes else 'in-sync'}")
    return 0


def main(argv):
    try:
        if argv[:1] == ["hash"] and len(argv) == 3:
            print(config_hash(read(argv[1]), json.loads(read(argv[2]))))
            return 0
        if argv[:1] == ["prepare"] and len(argv) == 3:
            return prepare(argv[1], argv[2])
        if argv[:1] == ["plan"] and len(argv) == 4:
            return plan(argv[1], argv[2], argv[3])
        print("usage: runner_config.py hash T V | prepare WORK EXPECTED | plan WORK CURRENT HISTORY", file=sys.stderr)
        return 2
    except Failure as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
