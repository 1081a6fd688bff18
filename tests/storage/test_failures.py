"""How the adapters fail: interrupted writes, symlink escapes, a missing root or bucket, dead endpoints."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import BotoCoreError

from kis_estimator.storage import FileSystemBlobStore, NewBlob, S3BlobStore, StorageError
from tests.storage.conftest import SIGNING_SECRET, make_s3_store

DEAD_ENDPOINT_BUDGET_S = 15.0


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "blobs"


@pytest.fixture
def fs_store(root: Path) -> FileSystemBlobStore:
    store = FileSystemBlobStore(root, SIGNING_SECRET)
    store.init()
    return store


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory beside the root holding a file the store must never reach."""
    directory = tmp_path / "outside"
    directory.mkdir()
    (directory / "secret.txt").write_bytes(b"not yours")
    return directory


def leftover_temp_files(root: Path) -> list[str]:
    return [name for _, _, names in os.walk(root) for name in names if name.startswith(".kis-")]


# Filesystem: atomic writes


def test_a_failing_rename_leaves_the_old_blob_and_no_temp_file(
    fs_store: FileSystemBlobStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fs_store.put("quote/x/quote.pdf", b"version 1")

    def failing_replace(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(StorageError, match="No space left on device") as raised:
        fs_store.put("quote/x/quote.pdf", b"version 2 that never lands")
    monkeypatch.undo()

    assert raised.value.key == "quote/x/quote.pdf"
    assert isinstance(raised.value.__cause__, OSError)
    assert fs_store.get("quote/x/quote.pdf") == b"version 1"
    assert leftover_temp_files(root) == []


def test_a_failing_first_write_leaves_no_file_at_all(
    fs_store: FileSystemBlobStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(StorageError, match="Input/output error"):
        fs_store.put("quote/y/quote.pdf", b"%PDF" * 1000)
    monkeypatch.undo()

    assert not fs_store.exists("quote/y/quote.pdf")
    assert leftover_temp_files(root) == []
    assert list(fs_store.list()) == []


def test_put_many_makes_every_file_and_each_directory_durable_once(
    fs_store: FileSystemBlobStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    keys = ["quote/x/a/1.json", "quote/x/a/2.json", "quote/x/b/3.json"]
    fs_store.put_many([NewBlob(key, key.encode()) for key in keys])
    monkeypatch.undo()

    files = [name for name in synced if ".kis-tmp-" in name]
    directories = sorted(name for name in synced if ".kis-tmp-" not in name)
    assert len(files) == 3  # each file's bytes before its rename
    assert directories == [
        str(fs_store.root / "quote/x/a"),
        str(fs_store.root / "quote/x/b"),
    ]  # each directory once
    assert [fs_store.get(key) for key in keys] == [key.encode() for key in keys]


def test_a_failing_fsync_in_put_many_stores_nothing_and_leaves_no_temp_file(
    fs_store: FileSystemBlobStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync
    calls = [0]

    def second_fsync_fails(fd: int) -> None:
        calls[0] += 1
        if calls[0] == 2:
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", second_fsync_fails)
    with pytest.raises(StorageError, match="Input/output error"):
        fs_store.put_many([NewBlob(f"quote/y/{i}.json", b"{}" * 100) for i in range(4)])
    monkeypatch.undo()

    assert list(fs_store.list()) == []  # no blob is renamed before every file is durable
    assert leftover_temp_files(root) == []


def test_a_failing_rename_in_put_many_keeps_the_blobs_before_it_whole(
    fs_store: FileSystemBlobStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def rename_of_2_fails(source: str, target: Path) -> None:
        if target.name == "2.json":
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", rename_of_2_fails)
    with pytest.raises(StorageError, match="No space left on device") as raised:
        fs_store.put_many([NewBlob(f"quote/z/{i}.json", f"blob {i}".encode()) for i in range(4)])
    monkeypatch.undo()

    assert raised.value.key == "quote/z/2.json"
    assert list(fs_store.list()) == ["quote/z/0.json", "quote/z/1.json"]  # orphans, complete
    assert [fs_store.get(f"quote/z/{i}.json") for i in range(2)] == [b"blob 0", b"blob 1"]
    assert leftover_temp_files(root) == []


def test_temp_files_left_by_a_crash_are_not_blobs(fs_store: FileSystemBlobStore, root: Path) -> None:
    fs_store.put("quote/x/quote.pdf", b"%PDF")
    (root / "quote" / "x" / ".kis-tmp-crashed").write_bytes(b"half a pdf")

    assert list(fs_store.list()) == ["quote/x/quote.pdf"]


# Filesystem: the root is a boundary


def test_a_symlinked_directory_cannot_lead_outside_the_root(
    fs_store: FileSystemBlobStore, root: Path, outside: Path
) -> None:
    (root / "evil").symlink_to(outside, target_is_directory=True)

    for operation in (
        lambda: fs_store.get("evil/secret.txt"),
        lambda: fs_store.exists("evil/secret.txt"),
        lambda: fs_store.delete("evil/secret.txt"),
        lambda: fs_store.put("evil/planted.txt", b"x"),
        lambda: list(fs_store.list("evil/")),
    ):
        with pytest.raises(StorageError, match="outside the store root"):
            operation()

    assert (outside / "secret.txt").read_bytes() == b"not yours"
    assert not (outside / "planted.txt").exists()
    assert list(fs_store.list()) == []


def test_a_symlinked_file_cannot_be_read_or_overwritten(
    fs_store: FileSystemBlobStore, root: Path, outside: Path
) -> None:
    (root / "quote").mkdir()
    (root / "quote" / "link.pdf").symlink_to(outside / "secret.txt")

    with pytest.raises(StorageError, match="outside the store root"):
        fs_store.get("quote/link.pdf")
    with pytest.raises(StorageError, match="outside the store root"):
        fs_store.put("quote/link.pdf", b"overwrite")

    assert (outside / "secret.txt").read_bytes() == b"not yours"
    assert list(fs_store.list()) == []


def test_a_symlink_that_stays_inside_the_root_is_followed(fs_store: FileSystemBlobStore, root: Path) -> None:
    fs_store.put("real/a.txt", b"inside")
    (root / "alias").symlink_to(root / "real", target_is_directory=True)

    assert fs_store.get("alias/a.txt") == b"inside"


def test_a_missing_root_is_an_error_until_init(root: Path) -> None:
    store = FileSystemBlobStore(root, SIGNING_SECRET)

    with pytest.raises(StorageError, match="run init"):
        store.put("a.txt", b"x")
    with pytest.raises(StorageError, match="check failed at put"):
        store.check()
    assert not root.exists()

    store.init()
    store.check()


def test_a_key_cannot_be_a_blob_and_a_prefix_at_once_on_disk(
    fs_store: FileSystemBlobStore, root: Path
) -> None:
    fs_store.put("a/b/c.txt", b"c")

    with pytest.raises(StorageError):
        fs_store.put("a/b", b"b")
    with pytest.raises(StorageError):
        fs_store.put("a/b/c.txt/d", b"d")

    fs_store.delete("a/b/c.txt")
    assert not (root / "a").exists()  # emptied directories are pruned ...
    fs_store.put("a/b", b"b")  # ... so the name is free again
    assert fs_store.get("a/b") == b"b"
    assert leftover_temp_files(root) == []


def test_an_empty_signing_secret_is_refused(root: Path) -> None:
    with pytest.raises(ValueError, match="signing_secret"):
        FileSystemBlobStore(root, "")


# S3: missing bucket, dead and hung endpoints


def test_s3_without_its_bucket_fails_check_at_put_and_says_to_run_init(s3_endpoint: str) -> None:
    store = make_s3_store(s3_endpoint)

    with pytest.raises(StorageError, match=r"check failed at put: .*does not exist \(run init\)"):
        store.check()
    with pytest.raises(StorageError, match="does not exist") as raised:
        store.get("quote/x/a.pdf")
    assert type(raised.value) is StorageError  # a missing bucket is not a missing blob


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def hung_endpoint() -> Iterator[str]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_s3_with_its_endpoint_down_fails_fast_with_storage_errors(closed_port: int) -> None:
    store = S3BlobStore(
        "evidence", endpoint_url=f"http://127.0.0.1:{closed_port}", access_key="k", secret_key="s"
    )
    operations = {
        "put": lambda: store.put("quote/x/a.pdf", b"x"),
        "get": lambda: store.get("quote/x/a.pdf"),
        "exists": lambda: store.exists("quote/x/a.pdf"),
        "delete": lambda: store.delete("quote/x/a.pdf"),
        "list": lambda: list(store.list()),
        "init": store.init,
    }
    for name, operation in operations.items():
        started = time.monotonic()
        with pytest.raises(StorageError) as raised:
            operation()
        assert time.monotonic() - started < DEAD_ENDPOINT_BUDGET_S, name
        assert isinstance(raised.value.__cause__, BotoCoreError), name

    started = time.monotonic()
    with pytest.raises(StorageError, match="check failed at put: put failed: Could not connect"):
        store.check()
    assert time.monotonic() - started < DEAD_ENDPOINT_BUDGET_S


def test_s3_with_a_hung_endpoint_gives_up_after_the_read_timeout(hung_endpoint: str) -> None:
    store = S3BlobStore(
        "evidence", endpoint_url=hung_endpoint, access_key="k", secret_key="s", read_timeout_s=0.5
    )

    started = time.monotonic()
    with pytest.raises(StorageError, match="check failed at put: put failed: Read timeout"):
        store.check()
    assert time.monotonic() - started < 5
