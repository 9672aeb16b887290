"""Excel imports of orgs and people: all-or-nothing, every error with its row and column."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from audit.models import AuditEvent
from core.actors import SYSTEM
from core.errors import ServiceError
from orgs import imports, services
from orgs.imports import IMPORTERS, NOT_XLSX, ImportRejected, RowError, template_workbook
from orgs.models import Org, Person, Position
from orgs.validators import id_check_digit

pytestmark = pytest.mark.django_db

ORG_HEADERS = ["名称", "类型", "上级组织", "编码", "所在单位", "户数", "网格类型", "边界GeoJSON"]
PEOPLE_HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "手机号",
    "所属单位",
    "职务类别",
    "职务名称",
    "任职单位",
    "任职日期",
]
SQUARE = {"type": "Polygon", "coordinates": [[[112.9, 28.2], [112.91, 28.2], [112.91, 28.21], [112.9, 28.2]]]}


def xlsx(headers, *rows, name="导入.xlsx") -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def id_number(birth="19850312", serial="001") -> str:
    first17 = f"430104{birth}{serial}"
    return first17 + id_check_digit(first17)


def make_user(username, *grants):
    user = get_user_model().objects.create_user(username=username, password="pw-123456")
    for org, role in grants:
        services.grant_role(user, org, role, actor=SYSTEM)
    return user


@pytest.fixture
def base():
    district = services.create_org(actor=SYSTEM, parent=None, kind="district", name="岳麓区", code="430104")
    party = services.create_org(
        actor=SYSTEM, parent=None, kind="party_committee", name="中共岳麓区委员会", code="P430104"
    )
    s1 = services.create_org(
        actor=SYSTEM, parent=district, kind="street", name="望月湖街道", code="430104001"
    )
    s2 = services.create_org(actor=SYSTEM, parent=district, kind="street", name="岳麓街道", code="430104002")
    return {"district": district, "party": party, "s1": s1, "s2": s2}


@pytest.fixture
def admin(base):
    return make_user("admin1", (base["district"], "admin"), (base["party"], "org_dept"))


@pytest.fixture
def street_dept(base):
    """An org_dept user whose scope is one street (望月湖街道)."""
    return make_user("dept1", (base["s1"], "org_dept"))


def counts():
    return Org.objects.count(), Person.objects.count(), Position.objects.count(), AuditEvent.objects.count()


def rejected(importer, fileobj, actor) -> list[RowError]:
    before = counts()
    with pytest.raises(ImportRejected) as exc:
        IMPORTERS[importer].run(fileobj, actor=actor)
    assert counts() == before, "a rejected file must change nothing"
    return exc.value.errors


# ---------------------------------------------------------------------------------------------
# Orgs


def test_good_org_file_builds_street_community_grid_and_party_branch(base, admin):
    events = AuditEvent.objects.count()
    file = xlsx(
        ORG_HEADERS,
        ["银盆岭街道", "街道", "430104", "430104003"],
        ["银盆南社区", "社区", "430104003", "430104003001"],
        [
            "银盆南社区第1网格",
            "网格",
            "银盆南社区",
            "43010400300101",
            None,
            420,
            "综合网格",
            json.dumps(SQUARE),
        ],
        [],  # empty rows are skipped
        ["中共银盆南社区支部委员会", "党支部", "中共岳麓区委员会", None, "430104003001"],
    )
    result = IMPORTERS["orgs"].run(file, actor=admin)

    assert result.created == 4
    assert result.summary() == "新建组织 4 个"
    street = Org.objects.get(code="430104003")
    community = Org.objects.get(code="430104003001")
    grid = Org.objects.get(code="43010400300101")
    branch = Org.objects.get(name="中共银盆南社区支部委员会")
    assert Org.objects.get_parent(street) == base["district"]
    assert Org.objects.get_parent(community) == street
    assert Org.objects.get_parent(grid) == community
    assert (grid.kind, grid.households, grid.grid_type, grid.geometry) == (
        "grid",
        420,
        "comprehensive",
        SQUARE,
    )
    assert Org.objects.get_parent(branch) == base["party"]
    assert branch.kind == "branch" and branch.host == community
    new_events = AuditEvent.objects.filter(pk__gt=0).order_by("-pk")[:4]
    assert AuditEvent.objects.count() == events + 4
    assert all(event.action == "org.created" and "导入.xlsx" in event.reason for event in new_events)


def test_one_bad_row_rejects_the_whole_file(base, admin):
    file = xlsx(
        ORG_HEADERS,
        ["银盆岭街道", "街道", "430104", "430104003"],
        ["银盆南社区", "社区", "430104003", "430104003001"],
        ["不存在社区第1网格", "网格", "不存在的社区", "43010400900101"],
        ["银盆北社区", "社区", "银盆岭街道", "430104003002"],
    )
    errors = rejected("orgs", file, admin)
    assert errors == [RowError(4, "C(上级组织)", "上级组织不存在或不在您的管理范围内")]
    assert not Org.objects.filter(code__startswith="430104003").exists()


def test_all_errors_are_collected_in_row_order(base, admin):
    file = xlsx(
        ORG_HEADERS,
        ["", "社区", "430104001"],
        ["某网格", "网格", "430104001"],  # a grid cannot sit directly under a street
        ["某某", "小区", "430104001"],
        ["某社区", "社区", "430104001", None, None, 12],
    )
    errors = rejected("orgs", file, admin)
    assert [(e.row, e.column) for e in errors] == [
        (2, "A(名称)"),
        (3, "B(类型)"),
        (4, "B(类型)"),
        (5, "F(户数)"),
    ]
    assert errors[0].message == "请填写名称"
    assert "“望月湖街道”(街道)下不能设立“网格”" in errors[1].message
    assert "无法识别的类型“小区”" in errors[2].message
    assert errors[3].message == "只有网格可以填写户数"


def test_missing_required_column(base, admin):
    errors = rejected("orgs", xlsx(["名称", "上级组织"], ["湖东社区", "430104001"]), admin)
    assert errors == [RowError(1, "", "缺少必填列:类型")]


def test_unknown_column_is_listed(base, admin):
    errors = rejected(
        "orgs", xlsx(["名称", "类型", "上级组织", "备注"], ["湖东社区", "社区", "430104001", "x"]), admin
    )
    assert len(errors) == 1
    assert errors[0].row == 1
    assert "无法识别的列:D(备注)" in errors[0].message


def test_columns_in_any_order_and_header_spacing(base, admin):
    file = xlsx(["上级组织", " 类型 ", "名称*"], [430104001, "社区", "湖东社区"])  # a numeric code cell
    result = IMPORTERS["orgs"].run(file, actor=admin)
    assert result.created == 1
    assert Org.objects.get_parent(Org.objects.get(name="湖东社区")) == base["s1"]


def test_duplicate_code_within_file_and_against_database(base, admin):
    file = xlsx(
        ORG_HEADERS,
        ["湖东社区", "社区", "430104001", "430104001001"],
        ["湖西社区", "社区", "430104001", "430104001001"],
        ["湖南社区", "社区", "430104001", "430104002"],
    )
    errors = rejected("orgs", file, admin)
    assert errors == [
        RowError(3, "D(编码)", "编码“430104001001”与第2行重复"),
        RowError(4, "D(编码)", "编码“430104002”已被现有组织“岳麓街道”使用"),
    ]


def test_parent_outside_the_users_scope(base, street_dept):
    file = xlsx(ORG_HEADERS, ["桃子湖社区", "社区", "430104002", "430104002001"])  # 岳麓街道: not theirs
    errors = rejected("orgs", file, street_dept)
    assert errors == [RowError(2, "C(上级组织)", "上级组织不存在或不在您的管理范围内")]

    inside = xlsx(ORG_HEADERS, ["湖东社区", "社区", "望月湖街道", "430104001001"])
    assert IMPORTERS["orgs"].run(inside, actor=street_dept).created == 1


def test_only_admins_create_roots(base, street_dept):
    errors = rejected("orgs", xlsx(ORG_HEADERS, ["东城区", "区/县", None, "110101"]), street_dept)
    assert errors == [RowError(2, "C(上级组织)", "只有系统管理员可以在最顶层新建组织,请填写上级组织")]


def test_references_must_point_backwards_and_be_unambiguous(base, admin):
    services.create_org(
        actor=SYSTEM, parent=base["s2"], kind="community", name="湖东社区", code="430104002009"
    )
    file = xlsx(
        ORG_HEADERS,
        ["湖东社区第1网格", "网格", "湖西社区"],
        ["湖西社区", "社区", "430104001"],
        ["湖东社区", "社区", "430104001"],
        ["湖东社区第2网格", "网格", "湖东社区"],
    )
    errors = rejected("orgs", file, admin)
    assert errors[0] == RowError(2, "C(上级组织)", "“湖西社区”在本文件第3行才新建,请把第3行移到本行之前")
    assert errors[1] == RowError(5, "C(上级组织)", "有 2 个组织名为“湖东社区”,请改填编码以区分")
    assert len(errors) == 2


def test_host_only_for_party_orgs(base, admin):
    file = xlsx(ORG_HEADERS, ["湖东社区", "社区", "430104001", None, "430104001"])
    errors = rejected("orgs", file, admin)
    assert errors == [RowError(2, "E(所在单位)", "只有党组织可以填写所在单位")]


def test_bad_geojson(base, admin):
    community = services.create_org(actor=SYSTEM, parent=base["s1"], kind="community", name="湖东社区")
    file = xlsx(ORG_HEADERS, ["第1网格", "网格", "湖东社区", None, None, None, "专属网格", "{not json"])
    errors = rejected("orgs", file, admin)
    assert [(e.row, e.column) for e in errors] == [(2, "H(边界GeoJSON)")]
    assert Org.objects.get_children_count(community) == 0


def test_service_error_while_applying_rolls_everything_back(base, admin, monkeypatch):
    real_create_org = services.create_org

    def create_org(**kwargs):
        if kwargs["name"] == "湖西社区":
            raise ServiceError("模拟的业务规则错误", field="name")
        return real_create_org(**kwargs)

    monkeypatch.setattr(services, "create_org", create_org)
    file = xlsx(ORG_HEADERS, ["湖东社区", "社区", "430104001"], ["湖西社区", "社区", "430104001"])
    errors = rejected("orgs", file, admin)
    assert errors == [RowError(3, "A(名称)", "模拟的业务规则错误")]
    assert not Org.objects.filter(name="湖东社区").exists()


# ---------------------------------------------------------------------------------------------
# Files


def test_not_an_excel_file(base, admin):
    errors = rejected("orgs", io.BytesIO("名称,类型\n湖东社区,社区\n".encode()), admin)
    assert errors == [RowError(0, "", NOT_XLSX)]
    zipped = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert rejected("orgs", zipped, admin) == [RowError(0, "", NOT_XLSX)]


def test_file_size_and_row_limits(base, admin, monkeypatch):
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 1000)
    errors = rejected("orgs", xlsx(ORG_HEADERS, ["湖东社区", "社区", "430104001"]), admin)
    assert len(errors) == 1 and "超过" in errors[0].message
    monkeypatch.undo()
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    rows = [[f"社区{i}", "社区", "430104001"] for i in range(3)]
    errors = rejected("orgs", xlsx(ORG_HEADERS, *rows), admin)
    assert errors == [RowError(0, "", "数据超过 2 行,请分批导入")]


def test_header_only_file(base, admin):
    assert rejected("orgs", xlsx(ORG_HEADERS), admin) == [
        RowError(0, "", "文件中没有数据(第1行为列名,数据从第2行开始)")
    ]


def test_users_without_import_permission_are_refused(base):
    staff = make_user("staff1", (base["s1"], "community_staff"))  # may change, may not import
    errors = rejected("orgs", xlsx(ORG_HEADERS, ["湖东社区", "社区", "430104001"]), staff)
    assert errors == [RowError(0, "", "您没有批量导入的权限")]


@pytest.mark.parametrize("kind", ["orgs", "people"])
def test_template_workbook_has_every_header_and_an_example(kind):
    workbook = load_workbook(io.BytesIO(template_workbook(kind)))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers == [column.header for column in IMPORTERS[kind].columns]
    assert any(cell.value for cell in sheet[2])
    assert "填写说明" in workbook.sheetnames


# ---------------------------------------------------------------------------------------------
# People


@pytest.fixture
def grid(base):
    community = services.create_org(
        actor=SYSTEM, parent=base["s1"], kind="community", name="湖东社区", code="430104001001"
    )
    return services.create_org(
        actor=SYSTEM, parent=community, kind="grid", name="湖东社区第1网格", code="43010400100101"
    )


def test_people_import_with_id_number_and_position(base, street_dept, grid):
    number = id_number("19850312", "002")  # even 17th digit: female
    file = xlsx(
        PEOPLE_HEADERS,
        [
            "李四",
            None,
            None,
            number,
            13800138000,
            "湖东社区",
            "网格员",
            "专职网格员",
            "43010400100101",
            "2024-03-01",
        ],
        ["王五", "男", datetime.date(1990, 5, 6), None, None, "430104001001"],
    )
    events = AuditEvent.objects.count()
    result = IMPORTERS["people"].run(file, actor=street_dept)

    assert result.created == 2
    assert result.summary() == "新增人员 2 名,任职 1 条"
    li = Person.objects.get(name="李四")
    assert (li.gender, li.birth_date, li.org) == (
        "F",
        datetime.date(1985, 3, 12),
        Org.objects.get_parent(grid),
    )
    assert li.id_number_clear() == number and li.phone_clear() == "13800138000"
    position = li.positions.get()
    assert (position.org, position.kind, position.title, position.start_on) == (
        grid,
        "grid_worker",
        "专职网格员",
        datetime.date(2024, 3, 1),
    )
    wang = Person.objects.get(name="王五")
    assert (wang.gender, wang.birth_date, wang.ethnicity) == ("M", datetime.date(1990, 5, 6), "汉族")
    assert not wang.positions.exists()
    assert AuditEvent.objects.count() == events + 3  # two people, one position


def test_bad_id_checksum_rejects_the_file(base, street_dept, grid):
    good = id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    file = xlsx(
        PEOPLE_HEADERS,
        ["张三", None, None, good, None, "湖东社区"],
        ["李四", None, None, bad, None, "湖东社区"],
    )
    errors = rejected("people", file, street_dept)
    assert errors == [RowError(3, "D(身份证号)", "身份证号校验位错误")]


def test_numeric_id_number_cell_asks_for_text_format(base, street_dept, grid):
    file = xlsx(
        PEOPLE_HEADERS,
        ["张三", None, None, 4.30104198503120e17, None, "湖东社区"],  # what Excel keeps of 430104198503120031
        ["李四", None, None, "4.30104E+17", None, "湖东社区"],  # the same, pasted as text
    )
    errors = rejected("people", file, street_dept)
    assert [(e.row, e.column) for e in errors] == [(2, "D(身份证号)"), (3, "D(身份证号)")]
    assert all("文本" in e.message for e in errors)


def test_duplicate_id_numbers_and_inconsistent_data(base, street_dept, grid):
    registered = id_number("19700101", "005")
    services.create_person(actor=SYSTEM, org=grid, id_number=registered, name="老住户")
    twice = id_number("19850312", "007")  # odd 17th digit: male
    file = xlsx(
        PEOPLE_HEADERS,
        ["甲", "女", None, twice, None, "湖东社区"],
        ["乙", None, "1985/03/12", twice, "12345", "湖东社区"],
        ["丙", None, None, registered, None, "湖东社区"],
        ["丁", "男", None, None, None, "湖东社区", None, "委员"],
        ["戊", "男", None, None, None, "岳麓街道", "工作人员"],
    )
    errors = rejected("people", file, street_dept)
    assert [(e.row, e.column, e.message) for e in errors] == [
        (2, "B(性别)", "性别与身份证号不一致"),
        (3, "C(出生日期)", "日期应为日期格式的单元格或 YYYY-MM-DD 文本,如 1985-03-12"),
        (3, "D(身份证号)", "与第2行的身份证号重复"),
        (3, "E(手机号)", "电话号码格式不正确(手机号11位,座机如0731-88888888)"),
        (4, "D(身份证号)", "该身份证号已登记在另一人员名下"),
        (5, "G(职务类别)", "填写了职务名称,请同时填写职务类别"),
        (6, "F(所属单位)", "所属单位不存在或不在您的管理范围内"),
    ]


def test_people_gender_required_without_id_number(base, street_dept, grid):
    errors = rejected("people", xlsx(["姓名", "所属单位"], ["张三", "湖东社区"]), street_dept)
    assert errors == [RowError(2, "性别", "请填写性别(男/女),或填写身份证号")]


# ---------------------------------------------------------------------------------------------
# Management commands and the web page


def _bad_org_file(tmp_path: Path) -> Path:
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(
        xlsx(
            ORG_HEADERS,
            ["湖东社区", "社区", "430104001"],
            ["湖西社区", "社区", "430104001"],
            ["湖南社区", "社区", "没有这个街道"],
        ).getvalue()
    )
    return path


def test_import_orgs_command_fails_with_the_error_list(base, admin, tmp_path):
    before = counts()
    stderr = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_orgs", str(_bad_org_file(tmp_path)), "--as", "admin1", stderr=stderr)
    assert exc.value.returncode == 1  # manage.py exits with this status
    assert "导入未执行:发现 1 处错误" in str(exc.value)
    assert stderr.getvalue().strip().splitlines() == ["第4行 C(上级组织): 上级组织不存在或不在您的管理范围内"]
    assert counts() == before


def test_import_commands_succeed_and_need_a_known_user(base, admin, grid, tmp_path):
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx(PEOPLE_HEADERS, ["李四", None, None, id_number(), None, "湖东社区"]).getvalue())
    stdout = io.StringIO()
    call_command("import_people", str(path), "--as", "admin1", stdout=stdout)
    assert "导入成功:新增人员 1 名" in stdout.getvalue()
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        call_command("import_people", str(path), "--as", "nobody")
    with pytest.raises(CommandError):
        call_command("import_people", str(path))  # --as is required


def test_export_import_template_command(tmp_path):
    out = tmp_path / "t.xlsx"
    call_command("export_import_template", "people", "-o", str(out), stdout=io.StringIO())
    assert load_workbook(out).worksheets[0]["A1"].value == "姓名"


needs_base_template = pytest.mark.skipif(
    not (Path(settings.BASE_DIR) / "templates" / "base.html").exists(),
    reason="templates/base.html (written separately) does not exist yet",
)


@needs_base_template
def test_import_page_shows_every_error_and_status_400(client, base, street_dept, tmp_path):
    client.force_login(street_dept)
    url = reverse("orgs:import")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "组织架构" in html and "边界GeoJSON" in html and 'enctype="multipart/form-data"' in html

    before = counts()
    upload = SimpleUploadedFile("湖区组织.xlsx", _bad_org_file(tmp_path).read_bytes())
    response = client.post(url, {"kind": "orgs", "file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert "导入未执行:发现 1 处错误,文件中的所有数据均未导入" in html
    assert 'data-row="4"' in html and "C(上级组织)" in html and "湖区组织.xlsx" in html
    assert counts() == before


@needs_base_template
def test_import_page_success_redirects_with_a_message(client, base, street_dept):
    client.force_login(street_dept)
    upload = SimpleUploadedFile("ok.xlsx", xlsx(ORG_HEADERS, ["湖东社区", "社区", "430104001"]).getvalue())
    response = client.post(reverse("orgs:import"), {"kind": "orgs", "file": upload}, follow=True)
    assert response.redirect_chain[-1][1] == 302
    assert "导入成功:新建组织 1 个" in response.content.decode()
    assert Org.objects.filter(name="湖东社区").exists()


def test_template_download(client, world_for_template):
    user = world_for_template
    client.force_login(user)
    response = client.get(reverse("orgs:import_template", args=["people"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert "姓名" in [cell.value for cell in workbook.active[1]]
    assert client.get(reverse("orgs:import_template", args=["nothing"])).status_code == 404


@pytest.fixture
def world_for_template(db):
    root = services.create_org(actor=SYSTEM, parent=None, kind="district", name="岳麓区", code="430104")
    user = get_user_model().objects.create_user("importer", password="pw-123456")
    services.grant_role(user, root, "admin", actor=SYSTEM)
    return user
