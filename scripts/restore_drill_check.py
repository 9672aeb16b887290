"""Helper of scripts/restore_drill.sh: ``seed`` records through the services into the source
database, ``check`` verifies the restored one. Run with the ``LUOSHI_*`` environment of the database
concerned; prints one JSON object (seed) or the checks it made (check), exits non-zero on failure.

    python scripts/restore_drill_check.py seed  > seed.json
    python scripts/restore_drill_check.py check seed.json SOURCE_MEDIA_ROOT
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from pathlib import Path

from core.actors import SYSTEM

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import transaction  # noqa: E402
from PIL import Image  # noqa: E402

PHONES = ["13912345678", "13800000001", "15011112222"]
ID_NUMBER = "11010519491231002X"


def _photo(seed: int) -> SimpleUploadedFile:
    image = Image.new("RGB", (320, 240), (40 * seed % 256, 120, 200))
    for x in range(0, 320, 8):  # some detail so the JPEG is not trivial
        image.putpixel((x, (x * seed) % 240), (255, 255, 0))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return SimpleUploadedFile(f"scene{seed}.jpg", buffer.getvalue(), content_type="image/jpeg")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seed() -> dict:
    from cases import services as cases
    from cases.models import Channel
    from orgs import services as orgs
    from orgs.models import OrgKind

    with transaction.atomic():
        district = orgs.create_org(
            actor=SYSTEM, parent=None, kind=OrgKind.DISTRICT, name="演练区", code="430100"
        )
        street = orgs.create_org(actor=SYSTEM, parent=district, kind=OrgKind.STREET, name="演练街道")
        community = orgs.create_org(actor=SYSTEM, parent=street, kind=OrgKind.COMMUNITY, name="演练社区")
        orgs.create_person(actor=SYSTEM, org=community, name="张演练", id_number=ID_NUMBER, phone=PHONES[0])
    made = []
    for i, phone in enumerate(PHONES, start=1):
        case = cases.report_case(
            channel=Channel.PUBLIC,
            description=f"恢复演练事项 {i}:路灯不亮",
            area=community,
            reporter_phone=phone,
            uploads=[_photo(i)],
        )
        photo = case.attachments.get()
        made.append(
            {
                "number": case.number,
                "phone": phone,
                "photo": photo.file.name,
                "photo_sha256": sha256(Path(settings.MEDIA_ROOT) / photo.file.name),
            }
        )
    return {"cases": made}


def check(seed_file: str, source_media: str) -> int:
    from cases.models import Case
    from orgs.models import Person

    data = json.loads(Path(seed_file).read_text(encoding="utf-8"))
    failures = []
    for item in data["cases"]:
        case = Case.objects.filter(number=item["number"]).first()
        if case is None:
            failures.append(f"case {item['number']} missing")
            continue
        if case.reporter_phone_clear() != item["phone"]:
            failures.append(f"case {item['number']}: phone does not decrypt to the original")
        restored = Path(settings.MEDIA_ROOT) / item["photo"]
        if not restored.is_file():
            failures.append(f"photo {item['photo']} missing from the restored media root")
        elif sha256(restored) != item["photo_sha256"] or sha256(Path(source_media) / item["photo"]) != sha256(
            restored
        ):
            failures.append(f"photo {item['photo']} differs from the original")
        else:
            print(f"ok  {case.number}: phone decrypts, photo {item['photo']} identical")
    person = Person.objects.filter(name="张演练").first()
    if person is None or person.phone_clear() != PHONES[0] or person.id_number_clear() != ID_NUMBER:
        failures.append("the person's ID/phone number does not decrypt with the field key")
    else:
        print("ok  person: ID and phone numbers decrypt")
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        print(json.dumps(seed(), ensure_ascii=False))
    elif sys.argv[1:2] == ["check"] and len(sys.argv) == 4:
        sys.exit(check(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
