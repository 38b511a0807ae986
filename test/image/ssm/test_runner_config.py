"""Unit tests of image/ssm/runner_config.py (python3 -m unittest; apply-config.bats runs them)."""
import contextlib
import datetime
import hashlib
import io
import json
import os
import sys
import tempfile
import tomllib
import unittest

sys.dont_write_bytecode = True  # no __pycache__ beside the on-instance script
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "image", "ssm"))
import runner_config as rc  # noqa: E402

TEMPLATE = """concurrent = ${concurrent}
listen_address = "127.0.0.1:9252"

[[runners]]
  name = "docker"
  url = "https://gitlab.example.com"
  id = ${docker_id}
  token = "${docker_token}"
  executor = "docker-autoscaler"
  [runners.autoscaler]
    plugin = "aws:1.0.0"
    max_instances = 5
    [[runners.autoscaler.policy]]
      idle_count = 2
"""
VALUES = {"concurrent": "4", "docker_id": "42", "docker_token": {"secureParameter": "/tokens/docker"}}


def response(value):
    return json.dumps({"Parameter": {"Name": "x", "Value": value}})


class Workspace:
    """A work dir as apply-config.sh leaves it for `plan`."""

    def __init__(self, template=TEMPLATE, values=None, secrets=None):
        self.dir = tempfile.mkdtemp()
        values = VALUES if values is None else values
        with open(os.path.join(self.dir, "template"), "w") as f:
            f.write(template)
        with open(os.path.join(self.dir, "values"), "w") as f:
            json.dump(values, f)
        for name, value in (secrets or {"docker_token": "glrt-stored"}).items():
            with open(os.path.join(self.dir, f"secret-{name}.json"), "w") as f:
                f.write(response(value))
        self.current = os.path.join(self.dir, "current.toml")
        self.history = os.path.join(self.dir, "history.json")

    def plan(self, current=None, history=None):
        if current is not None:
            with open(self.current, "w") as f:
                f.write(current)
        if history is not None:
            with open(self.history, "w") as f:
                json.dump(history, f)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc.plan(self.dir, self.current, self.history)
        lines = [line.split("\t") for line in out.getvalue().splitlines()]
        with open(os.path.join(self.dir, "config.toml"), "rb") as f:
            written = tomllib.load(f)
        return lines, written

    def render(self, token="glrt-stored", obtained=None, **extra):
        values = dict(VALUES, **dict({"docker_token": token}, **extra))
        text = rc.render(TEMPLATE, values, {})
        if obtained:
            line = f'  token = "{token}"\n'
            text = text.replace(line, f"{line}  token_obtained_at = {obtained}\n")
        return text


def kinds(lines, kind):
    return [line[1:] for line in lines if line[0] == kind]


class HashTest(unittest.TestCase):
    def test_canonical_form(self):
        values = {"b": "2", "a": {"secureParameter": "/p"}}
        expected = hashlib.sha256(
            ('t = 1\n' + "\n\0\n" + '{"a":{"secureParameter":"/p"},"b":"2"}').encode()
        ).hexdigest()
        self.assertEqual(rc.config_hash("t = 1\n", values), expected)

    def test_key_order_does_not_matter(self):
        self.assertEqual(rc.config_hash("x", {"a": "1", "b": "2"}), rc.config_hash("x", {"b": "2", "a": "1"}))

    def test_prepare_detects_a_stale_manifest_and_a_stale_expectation(self):
        work = tempfile.mkdtemp()
        good = rc.config_hash(TEMPLATE, VALUES)
        for name, value in (("template", TEMPLATE), ("values", json.dumps(VALUES)), ("manifest", json.dumps({"hash": good}))):
            with open(os.path.join(work, f"{name}.json"), "w") as f:
                f.write(response(value))
        with contextlib.redirect_stdout(io.StringIO()) as out:
            self.assertEqual(rc.prepare(work, good), 0)
        self.assertIn("SECRET\tdocker_token\t/tokens/docker", out.getvalue())
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(rc.prepare(work, "0" * 64), 3)
        with open(os.path.join(work, "manifest.json"), "w") as f:
            f.write(response(json.dumps({"hash": "1" * 64})))
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(rc.prepare(work, ""), 3)

    def test_rejects_bad_values(self):
        for values in ({"A": "x"}, {"a": 1}, {"a": {"secureParameter": "no-slash"}}, {"a": {"secureParameter": "/p", "x": 1}}):
            with self.assertRaises(rc.Failure):
                rc.check_values(values)


class RenderTest(unittest.TestCase):
    def test_replaces_lowercase_placeholders_only(self):
        out = rc.render('a = "${x}" b = "${HOME}" c = "${s}"', {"x": "1", "s": {"secureParameter": "/s"}}, {"s": "S"})
        self.assertEqual(out, 'a = "1" b = "${HOME}" c = "S"')

    def test_unresolved_placeholder(self):
        with self.assertRaisesRegex(rc.Failure, "unresolved placeholder.*: y"):
            rc.render("${x} ${y}", {"x": "1"}, {})

    def test_token_parameter_found_through_sentinels(self):
        self.assertEqual(rc.token_parameters(TEMPLATE, VALUES), {0: "/tokens/docker"})


class DumpsTest(unittest.TestCase):
    def test_round_trips(self):
        data = tomllib.loads(TEMPLATE.replace("${concurrent}", "4").replace("${docker_id}", "0").replace("${docker_token}", "t"))
        data["runners"][0]["token"] = 'q"\\\x7f\u00e9\n\t'
        data["runners"][0]["token_obtained_at"] = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
        data["runners"][0]["environment"] = ["A=1", "B=2"]
        data["runners"][0]["labels"] = {"k.x": "v"}
        data["x y"] = {"inline": [{"a": 1}, {"b": 2.5}]}
        self.assertEqual(tomllib.loads(rc.dumps(data)), data)


class PlanTest(unittest.TestCase):
    def test_new_config(self):
        lines, written = Workspace().plan()
        self.assertEqual(kinds(lines, "STATUS"), [["new"]])
        self.assertEqual(written["runners"][0]["token"], "glrt-stored")

    def test_in_sync_ignores_token_times(self):
        ws = Workspace()
        current = ws.render(obtained="2026-01-01T00:00:00Z")
        lines, written = ws.plan(current)
        self.assertEqual(kinds(lines, "STATUS"), [["in-sync"]])
        self.assertEqual(written["runners"][0]["token_obtained_at"].year, 2026)

    def test_policy_is_live_and_autoscaler_is_restart(self):
        ws = Workspace()
        lines, _ = ws.plan(ws.render().replace("idle_count = 2", "idle_count = 3"))
        self.assertEqual(kinds(lines, "RESTART"), [])
        self.assertEqual(kinds(lines, "CHANGE"), [["runners[docker].autoscaler.policy[0].idle_count"]])
        lines, _ = ws.plan(ws.render().replace("max_instances = 5", "max_instances = 6"))
        self.assertEqual(kinds(lines, "RESTART"), [["runner docker [runners.autoscaler]"]])

    def test_listen_address_and_session_server_are_restart(self):
        ws = Workspace()
        lines, _ = ws.plan(ws.render().replace("9252", "9999"))
        self.assertEqual(kinds(lines, "RESTART"), [["listen_address"]])
        lines, _ = ws.plan(ws.render() + '[session_server]\nlisten_address = "0.0.0.0:8093"\n')
        self.assertEqual(kinds(lines, "RESTART"), [["[session_server]"]])

    def test_rotated_token_kept_when_newer(self):
        ws = Workspace()
        current = ws.render("glrt-rotated", obtained="2026-05-01T00:00:00Z")
        lines, written = ws.plan(current)
        self.assertEqual(written["runners"][0]["token"], "glrt-rotated")
        self.assertEqual(kinds(lines, "STATUS"), [["in-sync"]])
        rotated = kinds(lines, "ROTATED")
        self.assertEqual([r[:2] for r in rotated], [["docker", "/tokens/docker"]])
        with open(rotated[0][2]) as f:
            self.assertEqual(f.read(), "glrt-rotated")
        self.assertEqual(os.stat(rotated[0][2]).st_mode & 0o777, 0o600)

    def test_rotated_token_kept_when_the_stored_one_is_known_older(self):
        ws = Workspace()
        key = "https://gitlab.example.com|42"
        lines, written = ws.plan(ws.render("glrt-rotated"), {key: [rc.digest("glrt-stored")]})
        self.assertEqual(written["runners"][0]["token"], "glrt-rotated")

    def test_token_set_on_purpose_replaces_the_old_one(self):
        ws = Workspace()
        key = "https://gitlab.example.com|42"
        current = ws.render("glrt-old", obtained="2026-05-01T00:00:00Z")
        lines, written = ws.plan(current, {key: [rc.digest("glrt-old")]})
        self.assertEqual(written["runners"][0]["token"], "glrt-stored")
        self.assertEqual(kinds(lines, "ROTATED"), [])
        self.assertEqual(kinds(lines, "CHANGE"), [["runners[docker].token"]])
        self.assertEqual(kinds(lines, "RESTART"), [])  # id 42: the token is not the identity

    def test_new_token_with_id_zero_is_an_identity_change(self):
        ws = Workspace(values=dict(VALUES, docker_id="0"))
        current = rc.render(TEMPLATE, dict(VALUES, docker_id="0", docker_token="glrt-old"), {})
        lines, _ = ws.plan(current)
        self.assertEqual(kinds(lines, "RESTART"), [["runner docker identity (token with id 0) changed"]])

    def test_id_change_and_runner_added(self):
        ws = Workspace()
        lines, _ = ws.plan(ws.render(docker_id="43"))
        self.assertEqual(kinds(lines, "RESTART"), [["runner docker identity (url/id) changed"]])
        lines, _ = ws.plan('concurrent = 4\nlisten_address = "127.0.0.1:9252"\n')
        self.assertEqual(kinds(lines, "RESTART"), [["runner docker added"]])

    def test_errors_name_no_value(self):
        ws = Workspace(secrets={"docker_token": 'glrt-"broken'})
        with self.assertRaises(rc.Failure) as caught:
            ws.plan()
        self.assertNotIn("glrt", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
