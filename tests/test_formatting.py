"""The one formatting module: every time in one configured zone, the zone named."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from advisor_tui.config import ConfigError, load_settings
from advisor_tui.formatting import LONDON, DisplayTime, day, load_zone

# The 8am-1pm engineer slot, in summer (BST, UTC+1) and in winter (GMT).
SUMMER = (datetime(2025, 6, 10, 7, tzinfo=UTC), datetime(2025, 6, 10, 12, tzinfo=UTC))
WINTER = (datetime(2026, 12, 1, 8, tzinfo=UTC), datetime(2026, 12, 1, 13, tzinfo=UTC))


def test_uk_time_in_summer_and_winter() -> None:
    assert LONDON.slot(*SUMMER) == "Tue 10 Jun 08:00–13:00 BST"
    assert LONDON.slot(*WINTER) == "Tue 1 Dec 08:00–13:00 GMT"
    assert LONDON.moment(SUMMER[0]) == "Tue 10 Jun 08:00 BST"
    assert LONDON.moment(WINTER[0], zone=False) == "Tue 1 Dec 08:00"
    assert LONDON.short(SUMMER[0]) == "10 Jun 08:00"
    assert LONDON.stamp(WINTER[1]) == "2026-12-01 13:00 GMT"
    assert LONDON.stamp(None) == "never"
    assert LONDON.label == "UK time" and LONDON.short_label == "UK"


def test_another_zone_is_named() -> None:
    utc = DisplayTime.named("UTC")
    assert utc.slot(*SUMMER) == "Tue 10 Jun 07:00–12:00 UTC"
    paris = DisplayTime.named("Europe/Paris")
    assert paris.moment(SUMMER[0]) == "Tue 10 Jun 09:00 CEST"
    assert paris.label == "Europe/Paris"


def test_the_clock_change_night() -> None:
    # BST ends at 01:00 UTC on the last Sunday of October 2026 (25 Oct).
    assert LONDON.moment(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == "Sun 25 Oct 01:30 BST"
    assert LONDON.moment(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "Sun 25 Oct 01:30 GMT"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        LONDON.moment(datetime(2025, 6, 10, 7))


def test_dates_have_no_zone() -> None:
    assert day(datetime(2025, 6, 1).date()) == "01 Jun 2025"
    assert day(None) == "—"


@pytest.mark.parametrize("name", ["Mars/Olympus", "../etc/passwd", ""])
def test_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        load_zone(name)


def test_config_names_the_key_of_a_bad_zone(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[display]\ntimezone = "Europe/Londn"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: display.timezone: unknown time zone 'Europe/Londn'; "
        "give an IANA name such as Europe/London or UTC"
    )
    path.write_text('[display]\ntimezone = "UTC"\n')
    settings, _ = load_settings(path)
    assert settings.display.times.name == "UTC"
    path.write_text("")
    assert load_settings(path)[0].display.times == LONDON
