import time
import pytest
from orgs.imports import IMPORTERS
from orgs.models import Org
from tests.orgs.test_imports import base, admin, xlsx, ORG_HEADERS, PEOPLE_HEADERS, id_number  # noqa
from orgs import services


@pytest.mark.django_db
def test_perf(base, admin):
    rows = [["社区%d" % i, "社区", "430104001", "C%d" % i] for i in range(200)]
    rows += [["网格%d" % i, "网格", "C%d" % (i % 200), "G%d" % i, None, 10] for i in range(4800)]
    f = xlsx(ORG_HEADERS, *rows)
    t = time.time()
    r = IMPORTERS["orgs"].run(f, actor=admin)
    print("orgs", r.summary(), time.time() - t)
    prow = [
        [
            "人%d" % i,
            None,
            None,
            id_number("19800101", "%03d" % (i % 1000))[:0] or None,
            None,
            "C%d" % (i % 200),
            "网格员",
            None,
            "G%d" % i,
        ]
        for i in range(5000)
    ]
    for p in prow:
        p[1] = "男"
    f = xlsx(PEOPLE_HEADERS, *prow)
    t = time.time()
    r = IMPORTERS["people"].run(f, actor=admin)
    print("people", r.summary(), time.time() - t)
