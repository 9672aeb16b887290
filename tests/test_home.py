"""Each role's home page (工作台) shows that person's own work for today."""

import pytest
from django.urls import reverse

from orgs.roles import Role

from .conftest import ROLE_MATRIX, grant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(ROLE_MATRIX))
def test_home_shows_the_scope(client, world, role):
    user = grant(world, f"u_{role}", role, ROLE_MATRIX[role][0])
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "我的职责范围" in page
    assert world[ROLE_MATRIX[role][0]].name in page


def test_org_dept_sees_vacant_secretaries(client, world):
    user = grant(world, "zzb", Role.ORG_DEPT, "party")
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "书记空缺的党组织" in page and "中共湖东社区支部委员会 书记空缺" in page


def test_community_staff_see_grids_without_a_worker(client, world):
    user = grant(world, "shequ", Role.COMMUNITY_STAFF, "c1")
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "湖东社区第2网格 未配备网格员" in page
    assert "湖东社区第1网格 未配备网格员" not in page
    assert "桃子湖" not in page


def test_grid_worker_sees_own_grid(client, world):
    user = grant(world, "wgy", Role.GRID_WORKER, "g1")
    world.people["worker1"].user = user
    world.people["worker1"].save()
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "我的网格" in page and "湖东社区第1网格:420 户" in page


def test_branch_secretary_sees_probation_due(client, world):
    import datetime

    from django.utils import timezone

    from tests.factories import MemberFactory, PersonFactory

    MemberFactory(
        person=PersonFactory(name="钱预备", org=world["c1"]),
        org=world["b1"],
        category="probationary",
        joined_on=timezone.localdate() - datetime.timedelta(days=350),
        full_member_on=None,
    )
    user = grant(world, "shuji", Role.BRANCH_SECRETARY, "b1")
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "预备党员转正提醒(1)" in page and "钱预备" in page


def test_resident_sees_their_community(client, world):
    user = grant(world, "jumin", Role.RESIDENT, "c1")
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "我的社区 · 湖东社区" in page
    assert "组织架构" not in page  # no office menu for residents


def test_login_page_and_login(client, world):
    from tests.factories import UserFactory

    UserFactory(username="someone")
    assert client.get(reverse("login")).status_code == 200
    bad = client.post(reverse("login"), {"username": "someone", "password": "wrong"})
    assert bad.status_code == 200 and "正确的用户名和密码" in bad.content.decode()
    good = client.post(reverse("login"), {"username": "someone", "password": "pw-123456"})
    assert good.status_code == 302


def test_the_interface_is_chinese_whatever_the_browser_asks_for(client, world):
    from orgs.models import Org
    from tests.factories import UserFactory

    Org.objects.filter(depth=1).update(is_demo=True)  # the demo banner is marked for translation
    UserFactory(username="someone")
    english = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
    page = client.get(reverse("login"), **english).content.decode()
    assert "登录落实" in page and "演示数据" in page
    assert "Log in" not in page and "Demonstration" not in page
    bad = client.post(reverse("login"), {"username": "someone", "password": ""}, **english).content.decode()
    assert "这个字段是必填项" in bad and "This field is required" not in bad
    client.post(reverse("login"), {"username": "someone", "password": "pw-123456"}, **english)
    home = client.get(reverse("home"), **english).content.decode()
    assert "退出" in home and "Log out" not in home


def test_superuser_home_shows_the_district_checks(client, world):
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    page = client.get(reverse("home")).content.decode()
    assert "书记空缺的党组织" in page and "网格员配备" in page
