"""Store a user's uploaded report under data/raw safely: allowed types, size cap, clean names, no overwrite."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath

ALLOWED_EXTENSIONS: frozenset[str] = frozenset(
    {"txt", "html", "htm", "mht", "mhtml", "pdf", "docx", "doc", "rtf"}
)
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 120
# Windows reserves these names whatever the extension; refusing them keeps data/raw portable.
RESERVED_STEMS = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


class UploadRejected(ValueError):
    """An upload we will not store; the message is shown to the user in Chinese and English."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


def safe_filename(filename: str) -> str:
    """The last path component, stripped of directories, '..', control and reserved characters.

    Chinese characters are kept (NFC); a name that ends up empty or reserved is rejected.
    """
    name = unicodedata.normalize("NFC", filename or "")
    # Browsers on Windows may send 'C:\\Users\\me\\报告.pdf'; either separator ends a directory.
    name = PureWindowsPath(PurePosixPath(name.replace("\\", "/")).name).name
    name = _UNSAFE.sub("_", name)
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")  # format/private-use chars
    name = name.strip(" .")  # leading dots hide files; trailing dots/spaces vanish on Windows
    name = re.sub(r"\.{2,}", ".", name)
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if len(name) > MAX_NAME_CHARS:
        stem = stem[: MAX_NAME_CHARS - len(ext) - 1]
        name = f"{stem}.{ext}" if ext else stem
    if not stem.strip(" ._") or stem.lower() in RESERVED_STEMS:
        raise UploadRejected("文件名无效", f"invalid file name: {filename!r}")
    return name


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_upload(filename: str, data: bytes, raw_dir: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Path:
    """Write an uploaded file into raw_dir and return its path.

    Same bytes already stored under this name (or its numbered variants) -> that path, nothing written.
    A different file with the same name is never overwritten: the new one gets ' (2)', ' (3)', ...
    The file appears atomically (written to a temporary file, then linked into place).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise UploadRejected("上传内容无效", "upload content must be bytes")
    data = bytes(data)
    if len(data) > max_bytes:
        raise UploadRejected(
            f"文件过大（{len(data) / 1048576:.1f} MB，上限 {max_bytes / 1048576:.1f} MB）",
            f"file too large ({len(data) / 1048576:.1f} MB, limit {max_bytes / 1048576:.1f} MB)",
        )
    if not data:
        raise UploadRejected("文件为空", "file is empty")
    name = safe_filename(filename)
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if ext not in ALLOWED_EXTENSIONS:
        allowed = ", ".join(sorted(ALLOWED_EXTENSIONS))
        raise UploadRejected(
            f"不支持的文件类型：.{ext}（允许：{allowed}）", f"file type .{ext} not allowed ({allowed})"
        )

    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    root = raw_dir.resolve()
    digest = _sha256(data)
    stem, _, suffix = name.rpartition(".")
    for n in range(1, 1000):
        candidate = root / (name if n == 1 else f"{stem} ({n}).{suffix}")
        resolved = candidate.resolve()
        if resolved.parent != root:  # a symlink or a name trick pointing elsewhere
            raise UploadRejected("文件路径不安全", f"unsafe path for {filename!r}")
        if candidate.is_symlink():
            continue  # never write through (or compare with) a link planted in raw_dir
        if candidate.exists():
            if (
                candidate.is_file()
                and candidate.stat().st_size == len(data)
                and _sha256(candidate.read_bytes()) == digest
            ):
                return candidate
            continue
        if _write_new(candidate, data):
            return candidate
    raise UploadRejected("同名文件过多", f"too many files named {name!r}")


def _write_new(path: Path, data: bytes) -> bool:
    """Create `path` with `data`, failing (False) rather than replacing a file created meanwhile."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # atomic and refuses to overwrite, unlike rename
        except FileExistsError:
            return False
        except OSError:  # a filesystem without hard links: exclusive create, then write
            try:
                with open(path, "xb") as f:
                    f.write(data)
            except FileExistsError:
                return False
        return True
    finally:
        os.unlink(tmp)
