"""Documents on a case: what is accepted (decided by the file's first bytes)
and the upload itself."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, User
from jiayuan.desk.choices import EventKind
from jiayuan.desk.models import Case, CaseDocument
from jiayuan.desk.services._common import _check, _event

# Accepted uploads: extension -> (content type, leading bytes that prove it).
UPLOAD_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "webp": ("image/webp", (b"RIFF",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             (b"PK\x03\x04",)),
}


def check_upload(upload: UploadedFile) -> tuple[str, str]:
    """(content type, sha256) of an acceptable upload, or a ValidationError that
    names the problem. The type is decided by the file's first bytes, not by
    what the browser claims."""
    name, size = _name_and_size(upload)
    limit = settings.DESK_UPLOAD_MAX_BYTES
    if size > limit:
        raise ValidationError({"file": _(
            "The file is %(size)s; the limit is %(limit)s.") % {
            "size": _megabytes(size), "limit": _megabytes(limit)}})
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = UPLOAD_TYPES.get(ext)
    if kind is None:
        raise ValidationError({"file": _(
            "Files of type “%(ext)s” are not accepted. Accepted: %(types)s.") % {
            "ext": ext or "?", "types": ", ".join(sorted(UPLOAD_TYPES))}})
    upload.seek(0)
    head = upload.read(16)
    if not any(head.startswith(magic) for magic in kind[1]) or (
            ext == "webp" and head[8:12] != b"WEBP"):
        raise ValidationError({"file": _(
            "The file is named .%(ext)s but its contents are not: it may be damaged or "
            "renamed.") % {"ext": ext}})
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return kind[0], digest.hexdigest()


def _name_and_size(upload: UploadedFile) -> tuple[str, int]:
    """The upload's file name and size. A form's file field always gives both;
    an upload built without them is refused rather than guessed at."""
    if upload.name is None or upload.size is None:
        raise ValidationError({"file": _(
            "The file arrived without its name or size: choose it again.")})
    return upload.name, upload.size


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


@audit.audited
def add_document(*, actor: User, case: Case, upload: UploadedFile, note: str = "") -> CaseDocument:
    _check(actor, case)
    content_type, sha = check_upload(upload)
    name, size = _name_and_size(upload)
    name = name.replace("/", "_").replace("\\", "_")[-200:]
    doc = CaseDocument(case=case, name=name, content_type=content_type, size=size,
                       sha256=sha, uploaded_by=actor)
    doc.file.save(f"{sha[:16]}.{name.rsplit('.', 1)[-1].lower()}", upload, save=False)
    try:
        doc.save()
        _event(case, EventKind.DOCUMENT, actor, text=note.strip() or name, document=doc)
        audit.record(AuditAction.UPDATE, actor=actor, obj=case,
                     changes={"document": name, "sha256": sha})
    except Exception:
        doc.file.delete(save=False)  # the transaction rolls back: leave no orphan file
        raise
    return doc


