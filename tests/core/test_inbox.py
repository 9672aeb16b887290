import pytest
from django.urls import reverse

from core.models import Notification
from core.notify import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_inbox_shows_only_my_messages_and_marks_read(client, django_capture_on_commit_callbacks):
    me, other = UserFactory(username="me"), UserFactory(username="other")
    with django_capture_on_commit_callbacks(execute=True):
        notify([me, me], kind="test", title="督办:YL20261129-0001 已逾期", url="/cases/x/")
        notify([other], kind="test", title="别人的通知")
    assert Notification.objects.filter(user=me).count() == 1  # one per user, even if listed twice
    client.force_login(me)
    page = client.get(reverse("inbox")).content.decode()
    assert "YL20261129-0001" in page and "别人的通知" not in page
    assert "通知 <span" in client.get(reverse("home")).content.decode()  # unread badge
    client.post(reverse("inbox_read"))
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).exists()
