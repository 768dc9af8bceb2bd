"""The built knowledge cached on disk, so that a fresh process answers without rebuilding the matcher.

Two files, in `WUFEI_CACHE_DIR` (else `$XDG_CACHE_HOME/wufei`, else `~/.cache/wufei`):
- `kb-<key>.bin`: the built KnowledgeBase, pickled. The key is the database's knowledge instance (a random id kept in
  kb_meta), its version counter (bumped on every change of the knowledge) and the code version (a digest of the
  knowledge package's code and data, jieba's version and dictionary, and Python's version).
- `jieba-<key>.bin`: jieba's dictionary as that build left it (catalogue names and plan words added), in parts by first
  character, read part by part as texts are segmented (knowledge/segment.py). Its key is the code version and the
  words the build added, so every database with the same catalogue shares one file.
Each file is a magic, a CRC32 of the rest, then the data; it is written to a temporary file and renamed into place.
A missing, corrupt or stale file is ignored: the knowledge is built as before and the file written again. Only a
process whose tokenizer has not started yet uses a snapshot (a running tokenizer has its own state), and only the
first build of a process writes one, and only for a key a process has built before (a database used once, as in
tests, costs no write but an empty marker file). The folder is the user's own (mode 0700): pickles are only read from there.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import marshal
import os
import pickle
import sys
import tempfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jieba

from knowledge import segment

if TYPE_CHECKING:
    from knowledge.core import KnowledgeBase

log = logging.getLogger(__name__)

MAGIC_KB = b"WUFEIKB2"  # bumped when the pickled objects change shape (2: plan postings, FAQ cue index)
MAGIC_JIEBA = b"WUFEIJB1"
KEEP_KB = 16  # newest snapshot files kept (one per database and version)
KEEP_JIEBA = 3  # newest dictionary files kept (about 10 MB each)
KEEP_SEEN = 64  # markers of keys built once
_TOKENIZER = "segment.shared_tokenizer"


def cache_dir() -> Path:
    """The folder of the snapshot files."""
    configured = os.environ.get("WUFEI_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "wufei"


@functools.cache
def code_version() -> str:
    """A digest of everything besides the database that decides what a build produces."""
    digest = hashlib.blake2b(digest_size=16)
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    dictionary = Path(jieba.get_module_res("dict.txt").name)
    stat = dictionary.stat()
    digest.update(f"{jieba.__version__}|{stat.st_size}|{stat.st_mtime_ns}|{sys.version_info[:3]}".encode())
    return digest.hexdigest()


def snapshot_key(instance: str, version: str) -> str:
    """The key of the snapshot of one database's knowledge at one version, for this code."""
    return hashlib.blake2b(f"{instance}|{version}|{code_version()}".encode(), digest_size=16).hexdigest()


def load(key: str) -> KnowledgeBase | None:
    """The cached KnowledgeBase for `key`, or None (no usable file, or this process's tokenizer already started)."""
    if segment.started():
        return None
    try:
        kb_data = _read(cache_dir() / f"kb-{key}.bin", MAGIC_KB)
        words_key, payload = kb_data[:32].decode("ascii"), kb_data[32:]
        jieba_data = _read(cache_dir() / f"jieba-{words_key}.bin", MAGIC_JIEBA)
        size = int.from_bytes(jieba_data[:8], "little")
        total, original, added, index = marshal.loads(jieba_data[8 : 8 + size])
        parts = memoryview(jieba_data)[8 + size :]
    except (OSError, ValueError, EOFError, TypeError, UnicodeDecodeError) as exc:
        log.debug("no usable knowledge snapshot %s: %s", key, exc)
        return None

    def part(ch: str) -> dict[str, int]:
        at = index.get(ch)
        return marshal.loads(parts[at[0] : at[0] + at[1]]) if at is not None else {}

    if not segment.restore(total, original, part, added):
        return None
    from knowledge import policy

    policy._words_added = True  # the plan words are in the restored dictionary already
    try:
        kb: KnowledgeBase = _Unpickler(payload).load()
    except Exception as exc:  # a snapshot that cannot be read is rebuilt, whatever the reason
        log.warning("knowledge snapshot %s unreadable, building again: %s", key, exc)
        return None
    return kb


def save(key: str, kb: KnowledgeBase) -> None:
    """Write the snapshot of a process's first build (best effort: a failure only costs the next start its time)."""
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        seen, kb_path = folder / f"seen-{key}", folder / f"kb-{key}.bin"
        if not seen.exists() and not kb_path.exists():  # a file there that could not be read is replaced at once
            seen.touch()
            _prune(folder, "seen-", KEEP_SEEN, suffix="")
            return
        words_key = segment.state_key()
        jieba_path = folder / f"jieba-{words_key}.bin"
        if not jieba_path.exists():
            _write(jieba_path, MAGIC_JIEBA, _dictionary_bytes())
            _prune(folder, "jieba-", KEEP_JIEBA)
        kb.matcher.generaliser  # noqa: B018 - read now (from the data file the code version covers), not per process
        buffer = _Pickler.dumps(kb)
        _write(kb_path, MAGIC_KB, words_key.encode("ascii") + buffer)
        _prune(folder, "kb-", KEEP_KB)
        seen.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, ValueError, TypeError, AttributeError) as exc:
        log.warning("could not write the knowledge snapshot: %s", exc)


def _dictionary_bytes() -> bytes:
    """jieba's dictionary in parts by first character: an index, then each part marshalled."""
    freq, total, original, added = segment.state()
    by_first: dict[str, dict[str, int]] = {}
    for word, value in freq.items():
        by_first.setdefault(word[0], {})[word] = value
    index: dict[str, tuple[int, int]] = {}
    chunks: list[bytes] = []
    offset = 0
    for ch, words in by_first.items():
        chunk = marshal.dumps(words)
        index[ch] = (offset, len(chunk))
        chunks.append(chunk)
        offset += len(chunk)
    head = marshal.dumps((total, original, added, index))
    return len(head).to_bytes(8, "little") + head + b"".join(chunks)


def _read(path: Path, magic: bytes) -> bytes:
    data = path.read_bytes()
    if data[: len(magic)] != magic:
        raise ValueError(f"{path.name}: not a snapshot file")
    body = data[len(magic) + 4 :]
    if zlib.crc32(body) != int.from_bytes(data[len(magic) : len(magic) + 4], "little"):
        raise ValueError(f"{path.name}: checksum mismatch")
    return body


def _write(path: Path, magic: bytes, body: bytes) -> None:
    fd, temp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(magic + zlib.crc32(body).to_bytes(4, "little") + body)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _prune(folder: Path, prefix: str, keep: int, suffix: str = ".bin") -> None:
    files = sorted(folder.glob(f"{prefix}*{suffix}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)


class _Pickler(pickle.Pickler):
    """Pickles the knowledge without the shared tokenizer (the dictionary file holds its state)."""

    def persistent_id(self, obj: Any) -> str | None:
        return _TOKENIZER if obj is segment._shared else None

    @classmethod
    def dumps(cls, obj: Any) -> bytes:
        import io

        buffer = io.BytesIO()
        cls(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
        return buffer.getvalue()


class _Unpickler(pickle.Unpickler):
    """Reads the knowledge back, with this process's tokenizer where the writer's was."""

    def __init__(self, data: bytes) -> None:
        import io

        super().__init__(io.BytesIO(data))

    def persistent_load(self, pid: Any) -> Any:
        if pid == _TOKENIZER:
            return segment.shared_tokenizer()
        raise pickle.UnpicklingError(f"unknown reference {pid!r}")
