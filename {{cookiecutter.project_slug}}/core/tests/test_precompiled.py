"""Querysets compiled once (core/precompiled.py): the ORM's instances for each run's own values,
and no compiling after the first run."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Count
from django.db.models.functions import Coalesce
from django.db.models.sql.compiler import SQLCompiler

from core.precompiled import IncompatibleDjango, Precompiled, check_django

pytestmark = pytest.mark.django_db


def users_after(first: int):
    """Annotated (one value converted from the database's type), with a prefetch."""
    return (
        get_user_model()
        .objects.filter(pk__gt=first)
        .annotate(seen=Coalesce("last_login", "date_joined"), group_count=Count("groups"))
        .prefetch_related("groups")
        .order_by("pk")
    )


def permissions_of(group: int):
    """Joined to another model's row (select_related)."""
    return Permission.objects.filter(group=group).select_related("content_type").order_by("pk")


@pytest.fixture
def people(make_user):
    staff, readers = Group.objects.create(name="staff"), Group.objects.create(name="readers")
    users = [make_user(name) for name in ("ann", "bob", "cat", "dan")]
    staff.user_set.add(*users[:2])
    readers.user_set.add(users[1])
    staff.permissions.add(*Permission.objects.order_by("pk")[:3])
    readers.permissions.add(*Permission.objects.order_by("-pk")[:2])
    return users, staff, readers


def shown(user) -> tuple:
    groups = [group.name for group in user.groups.all()]
    return (user.pk, user.username, user.seen, user.group_count, groups)


def test_each_run_gets_what_the_orm_gets_for_its_values(people, django_assert_num_queries):
    users, staff, readers = people
    precompiled_users = Precompiled(get_user_model(), users_after, first=int)
    precompiled_permissions = Precompiled(Permission, permissions_of, group=int)
    for first in (users[0].pk, users[2].pk, 0):
        # The users' query, then their groups' prefetch.
        with django_assert_num_queries(2):
            found = precompiled_users.run(first=first)
            listed = [shown(user) for user in found]
        assert listed == [shown(user) for user in users_after(first)]
        assert all(type(user.seen) is type(users[0].date_joined) for user in found)
    for group in (staff, readers):
        with django_assert_num_queries(1):
            found = precompiled_permissions.run(group=group.pk)
            found = [(p.pk, p.content_type.model) for p in found]
        assert found == [(p.pk, p.content_type.model) for p in permissions_of(group.pk)]
        assert len(found) in (2, 3)


def test_text_values_are_parameters_too(people):
    users = people[0]
    by_name = Precompiled(
        get_user_model(), lambda name: get_user_model().objects.filter(username=name), name=str
    )
    for user in users:
        assert by_name.run(name=user.username) == [user]
    assert by_name.run(name="nobody") == []


def test_a_run_takes_its_page(people):
    precompiled = Precompiled(get_user_model(), users_after, first=int)
    everyone = [user.pk for user in users_after(0)]
    assert [user.pk for user in precompiled.run(first=0, limit=2, offset=1)] == everyone[1:3]
    assert [user.pk for user in precompiled.run(first=0, limit=2, offset=3)] == everyone[3:5]


def test_only_the_first_run_compiles(people, compiled_models):
    users = people[0]
    precompiled = Precompiled(get_user_model(), users_after, first=int)
    precompiled.run(first=0)
    compiled_models.clear()
    assert [user.pk for user in precompiled.run(first=users[1].pk)] == [u.pk for u in users[2:]]
    # The prefetch of their groups is the ORM's own query, compiled as ever.
    assert compiled_models == [Group]


def test_a_run_must_give_every_value(people):
    precompiled = Precompiled(get_user_model(), users_after, first=int)
    with pytest.raises(TypeError, match="first"):
        precompiled.run()
    with pytest.raises(TypeError, match="last"):
        precompiled.run(first=0, last=1)


def test_a_value_that_is_not_a_parameter_of_its_own_is_refused():
    users = get_user_model()
    ignoring = Precompiled(users, lambda first: users.objects.all(), first=int)
    with pytest.raises(ValueError, match="first"):
        ignoring.run(first=1)


def test_a_django_that_runs_querysets_otherwise_fails_at_import(monkeypatch):
    check_django()  # the installed Django
    monkeypatch.setattr(SQLCompiler, "execute_sql", lambda compiler, result_type=None: [])
    with pytest.raises(IncompatibleDjango, match="'as_sql'"):
        check_django()
