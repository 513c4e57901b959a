"""A loopback Hugging Face Hub for tests: the endpoints `huggingface_hub` uses to create a dataset
repo, commit files (regular base64 uploads), list its tree and tag it, plus scripted faults.

Point the real client at it with `HF_ENDPOINT` (or `HfApi(endpoint=...)`). `fail(route, *statuses)`
makes the next requests to a route (`commit`, `preupload`, `create`, `tag`, `tree`) answer those
statuses (429 with `Retry-After: 0`), so retries are tested against real HTTP responses.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import yaml

_ROUTES = [
    ("POST", re.compile(r"^/api/repos/create$"), "create"),
    ("POST", re.compile(r"^/api/validate-yaml$"), "validate"),
    ("POST", re.compile(r"^/api/datasets/(?P<repo>[^/]+/[^/]+)/preupload/(?P<rev>[^/]+)$"), "preupload"),
    ("POST", re.compile(r"^/api/datasets/(?P<repo>[^/]+/[^/]+)/commit/(?P<rev>[^/]+)$"), "commit"),
    ("POST", re.compile(r"^/api/datasets/(?P<repo>[^/]+/[^/]+)/tag/(?P<rev>[^/]+)$"), "tag"),
    ("GET", re.compile(r"^/api/datasets/(?P<repo>[^/]+/[^/]+)/tree/(?P<rev>[^/]+)(?P<path>/.*)?$"), "tree"),
    ("GET", re.compile(r"^/api/datasets/(?P<repo>[^/]+/[^/]+)/revision/(?P<rev>[^/]+)$"), "info"),
    ("GET", re.compile(r"^/api/datasets/(?P<repo>[^/]+/[^/]+)/refs$"), "refs"),
]


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Repo:
    private: bool
    files: dict[str, bytes] = field(default_factory=dict)
    commits: list[dict[str, Any]] = field(default_factory=list)  # {oid, summary, paths}
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def head(self) -> str:
        return self.commits[-1]["oid"] if self.commits else "0" * 40


class HubState:
    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request
        self.auth: list[str | None] = []  # Authorization headers seen (tests check a token was sent)
        self.faults: dict[str, list[int]] = {}
        self.lock = threading.Lock()

    def fail(self, route: str, *statuses: int) -> None:
        with self.lock:
            self.faults.setdefault(route, []).extend(statuses)

    def next_fault(self, route: str) -> int | None:
        with self.lock:
            queue = self.faults.get(route)
            return queue.pop(0) if queue else None


class _Handler(BaseHTTPRequestHandler):
    state: HubState
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _dispatch(self, method: str) -> None:
        path = self.path.split("?", 1)[0]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.state.requests.append((method, path))
        self.state.auth.append(self.headers.get("Authorization"))
        for verb, pattern, name in _ROUTES:
            match = pattern.match(path)
            if verb == method and match:
                if (status := self.state.next_fault(name)) is not None:
                    extra = {"Retry-After": "0"} if status == 429 else {}
                    self._send(status, {"error": f"injected {status}"}, extra)
                    return
                getattr(self, f"_{name}")(body, **match.groupdict())
                return
        self._send(404, {"error": f"no route {method} {path}"})

    def _repo(self, repo: str) -> Repo | None:
        found = self.state.repos.get(repo)
        if found is None:
            self._send(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
        return found

    def _create(self, body: bytes) -> None:
        doc = json.loads(body)
        repo = f"{doc.get('organization') or 'user'}/{doc['name']}"
        if repo in self.state.repos:
            self._send(409, {"error": "You already created this dataset repo", "url": f"/datasets/{repo}"})
            return
        self.state.repos[repo] = Repo(private=doc.get("visibility") == "private" or bool(doc.get("private")))
        self._send(200, {"url": f"http://{self.headers['Host']}/datasets/{repo}", "name": repo})

    def _validate(self, body: bytes) -> None:
        """The card's YAML header must parse and name each config's data files, as the Hub checks."""
        content = json.loads(body)["content"]
        match = re.match(r"^---\n(.*?)\n---\n", content, flags=re.S)
        errors = []
        try:
            header = yaml.safe_load(match.group(1)) if match else None
        except yaml.YAMLError as err:
            header, errors = None, [{"message": f"YAML: {err}"}]
        if not errors and not isinstance(header, dict):
            errors.append({"message": "no YAML metadata block"})
        for config in (header or {}).get("configs", []):
            if not config.get("config_name") or not config.get("data_files"):
                errors.append({"message": f"config without config_name or data_files: {config}"})
        self._send(400 if errors else 200, {"errors": errors, "warnings": []})

    def _preupload(self, body: bytes, repo: str, rev: str) -> None:
        if (found := self._repo(repo)) is None:
            return
        files = json.loads(body)["files"]
        out = []
        for f in files:
            existing = found.files.get(f["path"])
            oid = git_blob_sha1(existing) if existing is not None else None
            out.append({"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": oid})
        self._send(200, {"files": out, "commitOid": found.head})

    def _commit(self, body: bytes, repo: str, rev: str) -> None:
        if (found := self._repo(repo)) is None:
            return
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        header = next(x["value"] for x in lines if x["key"] == "header")
        paths = []
        for item in lines:
            if item["key"] == "file":
                found.files[item["value"]["path"]] = base64.b64decode(item["value"]["content"])
                paths.append(item["value"]["path"])
            elif item["key"] == "deletedFile":
                found.files.pop(item["value"]["path"], None)
            elif item["key"] == "lfsFile":
                self._send(400, {"error": "this test hub takes regular uploads only"})
                return
        oid = hashlib.sha1(f"{found.head}{sorted(paths)}{len(found.commits)}".encode()).hexdigest()
        found.commits.append({"oid": oid, "summary": header["summary"], "paths": paths})
        host = self.headers["Host"]
        self._send(200, {"commitUrl": f"http://{host}/datasets/{repo}/commit/{oid}", "commitOid": oid,
                         "pullRequestUrl": None, "success": True})  # fmt: skip

    def _tag(self, body: bytes, repo: str, rev: str) -> None:
        if (found := self._repo(repo)) is None:
            return
        tag = json.loads(body)["tag"]
        if tag in found.tags:
            self._send(409, {"error": "Tag already exists"})
            return
        found.tags[tag] = found.head
        self._send(200, {"name": tag})

    def _tree(self, body: bytes, repo: str, rev: str, path: str | None = None) -> None:
        if (found := self._repo(repo)) is None:
            return
        if not found.commits:
            self._send(404, {"error": "Revision not found"}, {"X-Error-Code": "RevisionNotFound"})
            return
        prefix = (path or "").strip("/")
        entries = [{"type": "file", "path": p, "size": len(d), "oid": git_blob_sha1(d)}
                   for p, d in sorted(found.files.items()) if p.startswith(prefix)]  # fmt: skip
        self._send(200, entries)

    def _info(self, body: bytes, repo: str, rev: str) -> None:
        if (found := self._repo(repo)) is None:
            return
        self._send(200, {"id": repo, "sha": found.head, "private": found.private,
                         "siblings": [{"rfilename": p} for p in sorted(found.files)]})  # fmt: skip

    def _refs(self, body: bytes, repo: str) -> None:
        if (found := self._repo(repo)) is None:
            return
        tags = [{"name": t, "ref": f"refs/tags/{t}", "targetCommit": c} for t, c in found.tags.items()]
        self._send(200, {"branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": found.head}],
                         "tags": tags, "converts": []})  # fmt: skip


class HubServer:
    """`with HubServer() as hub:` serves on 127.0.0.1 at `hub.url`; `hub.state` holds repos and faults."""

    def __init__(self) -> None:
        self.state = HubState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
