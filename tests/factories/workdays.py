"""Factories of the working-day calendar: local overrides and confirmed years."""

import datetime as dt

import factory

from workdays.models import CalendarOverride, OfficialYear


class CalendarOverrideFactory(factory.django.DjangoModelFactory):
    """A day off (``kind="holiday"``) or a make-up working day (``kind="workday"``); pass ``date``
    (the default runs through 2030, away from the days the tests look at)."""

    class Meta:
        model = CalendarOverride

    date = factory.Sequence(lambda n: dt.date(2030, 1, 1) + dt.timedelta(days=n))
    kind = "holiday"


class OfficialYearFactory(factory.django.DjangoModelFactory):
    """A year whose official holiday schedule has been entered in full (pass ``year``)."""

    class Meta:
        model = OfficialYear

    year = factory.Sequence(lambda n: 2040 + n % 60)
