"""How the mock's TMF profile writes times: RFC 3339 with a non-zero offset.

TMF answers carry offsets; answering in UTC+01:00 (not "Z") makes every client
test exercise offset handling. The instant is unchanged.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

OFFSET = timezone(timedelta(hours=1))


def tmf_time(moment: datetime) -> datetime:
    return moment.astimezone(OFFSET)
