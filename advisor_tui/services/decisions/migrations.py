"""Versioned schema migrations for both engines, applied by a command, never by hand.

``advisor-tui serve decisions --database URL --migrate`` (or ``advisor-tui
decisions-db migrate``) applies whatever is missing, in order, each step in its
own transaction; the service refuses to start on a schema older than
``LATEST`` and names the command. A step is never edited once released: a
change is a new step appended to the list.

SQLite keeps the version in ``PRAGMA user_version``; PostgreSQL in a
``schema_migrations`` table (one row per applied step, with when).
"""

from __future__ import annotations

# -- SQLite ----------------------------------------------------------------------

# Step 1 is the schema the mock's ledger had, written with IF NOT EXISTS so a
# decisions file made by the old mock upgrades in place.
SQLITE: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS decisions (
        id             TEXT NOT NULL UNIQUE,
        advisor_id     TEXT NOT NULL,
        team           TEXT NOT NULL,
        customer_id    TEXT NOT NULL,
        kind           TEXT NOT NULL,
        step_id        TEXT NOT NULL,
        step_title     TEXT NOT NULL,
        reason_code    TEXT,
        needs_approval INTEGER NOT NULL,
        approval       TEXT NOT NULL,
        review_state   TEXT NOT NULL,
        decided_at     INTEGER NOT NULL,  -- microseconds since the epoch, UTC
        action_kind    TEXT NOT NULL,
        alternative    TEXT,
        sequence       INTEGER NOT NULL,
        prev_hash      TEXT NOT NULL,
        hash           TEXT NOT NULL,
        recorded_at    TEXT NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS ux_decisions_chain ON decisions (advisor_id, sequence);
    CREATE TABLE IF NOT EXISTS decision_bodies (
        rowid INTEGER PRIMARY KEY,  -- the rowid of the decisions row
        body  TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS reviews (
        id          TEXT PRIMARY KEY,
        decision_id TEXT NOT NULL,
        reviewer_id TEXT NOT NULL,
        verdict     TEXT NOT NULL,
        body        TEXT NOT NULL,
        at          TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ix_reviews_decision ON reviews (decision_id, at, id);
    """,
    # Step 2: records refused for a broken chain link are counted per advisor
    # (never stored), so an audit can say how often a client disagreed.
    """
    CREATE TABLE IF NOT EXISTS chain_refusals (
        advisor_id TEXT PRIMARY KEY,
        refused    INTEGER NOT NULL,
        last_at    TEXT NOT NULL
    );
    """,
    # Step 3: figures from rollups kept as decisions arrive, built from the log
    # already there (as released; step 4 reshapes the cells).
    """
    CREATE TABLE IF NOT EXISTS rollup_cells_month (
        period TEXT NOT NULL, team TEXT NOT NULL, advisor_id TEXT NOT NULL, step_id TEXT NOT NULL,
        decisions INTEGER NOT NULL, overrides INTEGER NOT NULL,
        PRIMARY KEY (period, team, advisor_id, step_id)
    );
    CREATE TABLE IF NOT EXISTS rollup_cells_day (
        period TEXT NOT NULL, team TEXT NOT NULL, advisor_id TEXT NOT NULL, step_id TEXT NOT NULL,
        decisions INTEGER NOT NULL, overrides INTEGER NOT NULL,
        PRIMARY KEY (period, team, advisor_id, step_id)
    );
    CREATE TABLE IF NOT EXISTS rollup_repeats_month (
        period TEXT NOT NULL, team TEXT NOT NULL, step_id TEXT NOT NULL, alternative TEXT NOT NULL,
        overrides INTEGER NOT NULL, PRIMARY KEY (period, team, step_id, alternative)
    );
    CREATE TABLE IF NOT EXISTS rollup_repeats_day (
        period TEXT NOT NULL, team TEXT NOT NULL, step_id TEXT NOT NULL, alternative TEXT NOT NULL,
        overrides INTEGER NOT NULL, PRIMARY KEY (period, team, step_id, alternative)
    );
    CREATE TABLE IF NOT EXISTS rollup_day_team (
        period TEXT NOT NULL, team TEXT NOT NULL, decisions INTEGER NOT NULL,
        overrides INTEGER NOT NULL, PRIMARY KEY (period, team)
    );
    DELETE FROM rollup_cells_month;
    DELETE FROM rollup_cells_day;
    DELETE FROM rollup_repeats_month;
    DELETE FROM rollup_repeats_day;
    DELETE FROM rollup_day_team;
    INSERT INTO rollup_cells_day SELECT date(decided_at / 1000000, 'unixepoch'), team,
        advisor_id, step_id, count(*), sum(kind = 'override') FROM decisions GROUP BY 1, 2, 3, 4;
    INSERT INTO rollup_cells_month SELECT substr(period, 1, 8) || '01', team, advisor_id,
        step_id, sum(decisions), sum(overrides) FROM rollup_cells_day GROUP BY 1, 2, 3, 4;
    INSERT INTO rollup_day_team SELECT period, team, sum(decisions), sum(overrides)
        FROM rollup_cells_day GROUP BY 1, 2;
    INSERT INTO rollup_repeats_day SELECT date(decided_at / 1000000, 'unixepoch'), team,
        step_id, alternative, count(*) FROM decisions
        WHERE kind = 'override' AND alternative IS NOT NULL GROUP BY 1, 2, 3, 4;
    INSERT INTO rollup_repeats_month SELECT substr(period, 1, 8) || '01', team, step_id,
        alternative, sum(overrides) FROM rollup_repeats_day GROUP BY 1, 2, 3, 4
    """,
    # Step 4: the (team, advisor, step) cells become per-advisor and per-step
    # rollups (as PostgreSQL's step 3: a cell per advisor, step and month barely
    # compresses with thousands of advisors).
    """
    CREATE TABLE rollup_advisor_month (
        period TEXT NOT NULL, team TEXT NOT NULL, advisor_id TEXT NOT NULL,
        decisions INTEGER NOT NULL, overrides INTEGER NOT NULL,
        PRIMARY KEY (period, team, advisor_id)
    );
    CREATE TABLE rollup_advisor_day (
        period TEXT NOT NULL, team TEXT NOT NULL, advisor_id TEXT NOT NULL,
        decisions INTEGER NOT NULL, overrides INTEGER NOT NULL,
        PRIMARY KEY (period, team, advisor_id)
    );
    CREATE TABLE rollup_step_month (
        period TEXT NOT NULL, team TEXT NOT NULL, step_id TEXT NOT NULL,
        decisions INTEGER NOT NULL, overrides INTEGER NOT NULL,
        PRIMARY KEY (period, team, step_id)
    );
    CREATE TABLE rollup_step_day (
        period TEXT NOT NULL, team TEXT NOT NULL, step_id TEXT NOT NULL,
        decisions INTEGER NOT NULL, overrides INTEGER NOT NULL,
        PRIMARY KEY (period, team, step_id)
    );
    INSERT INTO rollup_advisor_month SELECT period, team, advisor_id, sum(decisions),
        sum(overrides) FROM rollup_cells_month GROUP BY 1, 2, 3;
    INSERT INTO rollup_advisor_day SELECT period, team, advisor_id, sum(decisions),
        sum(overrides) FROM rollup_cells_day GROUP BY 1, 2, 3;
    INSERT INTO rollup_step_month SELECT period, team, step_id, sum(decisions),
        sum(overrides) FROM rollup_cells_month GROUP BY 1, 2, 3;
    INSERT INTO rollup_step_day SELECT period, team, step_id, sum(decisions),
        sum(overrides) FROM rollup_cells_day GROUP BY 1, 2, 3;
    DROP TABLE rollup_cells_month;
    DROP TABLE rollup_cells_day
    """,
    # Step 5: the review queue (unreviewed overrides) gets a partial index of its
    # own, as on PostgreSQL; see sqlite_queries.FILTER_INDEXES.
    """
    CREATE INDEX IF NOT EXISTS ix_decisions_unreviewed_override ON decisions (id, decided_at)
        WHERE kind = 'override' AND review_state = 'unreviewed'
    """,
)

# -- PostgreSQL ------------------------------------------------------------------

# The index set is the one the PostgreSQL trial (shared/TRIALS.md) measured at
# 10 million rows: every supervisor page is a walk down one index in
# (decided_at, id) order. Partial-index conditions are literals, and the
# queries spell them as literals too, or the planner cannot use them.
# The hashed body is text, not jsonb: jsonb reorders keys, and the hash is
# over the exact canonical bytes.
POSTGRES: tuple[str, ...] = (
    """
    CREATE TABLE decisions (
        id             text PRIMARY KEY,
        advisor_id     text NOT NULL,
        team           text NOT NULL,
        customer_id    text NOT NULL,
        kind           text NOT NULL,
        step_id        text NOT NULL,
        step_title     text NOT NULL,
        reason_code    text,
        needs_approval boolean NOT NULL,
        approval       text NOT NULL,
        review_state   text NOT NULL,
        decided_at     timestamptz NOT NULL,
        action_kind    text NOT NULL,
        alternative    text,
        sequence       bigint NOT NULL CHECK (sequence >= 1),
        prev_hash      text NOT NULL,
        hash           text NOT NULL,
        recorded_at    timestamptz NOT NULL,
        body           text NOT NULL,
        CONSTRAINT ux_decisions_chain UNIQUE (advisor_id, sequence)
    );
    CREATE INDEX ix_decisions_time ON decisions (decided_at, id);
    CREATE INDEX ix_decisions_advisor ON decisions (advisor_id, decided_at, id);
    CREATE INDEX ix_decisions_customer ON decisions (customer_id, decided_at, id);
    CREATE INDEX ix_decisions_team_override ON decisions (team, decided_at, id)
        WHERE kind = 'override';
    CREATE INDEX ix_decisions_step_override ON decisions (step_id, decided_at, id)
        WHERE kind = 'override';
    CREATE INDEX ix_decisions_pending ON decisions (decided_at, id)
        WHERE approval = 'pending';
    CREATE INDEX ix_decisions_unreviewed_override ON decisions (decided_at, id)
        WHERE kind = 'override' AND review_state = 'unreviewed';
    CREATE TABLE reviews (
        id          text PRIMARY KEY,
        decision_id text NOT NULL REFERENCES decisions (id),
        reviewer_id text NOT NULL,
        verdict     text NOT NULL,
        body        text NOT NULL,
        at          timestamptz NOT NULL
    );
    CREATE INDEX ix_reviews_decision ON reviews (decision_id, at, id);
    CREATE TABLE chain_refusals (
        advisor_id text PRIMARY KEY,
        refused    bigint NOT NULL,
        last_at    timestamptz NOT NULL
    );
    """,
    # Step 2: figures from rollups kept as decisions arrive (in the same
    # transaction as the insert), so a year's override rates read thousands of
    # rows instead of millions: whole months from the monthly tables, the days
    # of partial months from the daily ones, partial days from the log itself.
    # "cells" are (team, advisor, step) counts; "repeats" count overrides by
    # (team, step, what was done instead); day_team is the per-day series.
    """
    CREATE TABLE rollup_cells_month (
        period     date NOT NULL,
        team       text NOT NULL,
        advisor_id text NOT NULL,
        step_id    text NOT NULL,
        decisions  bigint NOT NULL,
        overrides  bigint NOT NULL,
        PRIMARY KEY (period, team, advisor_id, step_id)
    );
    CREATE TABLE rollup_cells_day (LIKE rollup_cells_month INCLUDING ALL);
    CREATE TABLE rollup_repeats_month (
        period      date NOT NULL,
        team        text NOT NULL,
        step_id     text NOT NULL,
        alternative text NOT NULL,
        overrides   bigint NOT NULL,
        PRIMARY KEY (period, team, step_id, alternative)
    );
    CREATE TABLE rollup_repeats_day (LIKE rollup_repeats_month INCLUDING ALL);
    CREATE TABLE rollup_day_team (
        period    date NOT NULL,
        team      text NOT NULL,
        decisions bigint NOT NULL,
        overrides bigint NOT NULL,
        PRIMARY KEY (period, team)
    );
    """,
    # Step 3: the (team, advisor, step) cells become per-advisor and per-step
    # rollups. With thousands of advisors a cell per advisor, step and month
    # barely compresses (hundreds of thousands of rows for a year of 10 million
    # decisions, 630 ms); the figures want each total on its own. And an index
    # for the reason filter, whose matches are sparse: a page walked the time
    # index past every other decision, and its count scanned 90 days (~2 s).
    """
    CREATE TABLE rollup_advisor_month (
        period     date NOT NULL,
        team       text NOT NULL,
        advisor_id text NOT NULL,
        decisions  bigint NOT NULL,
        overrides  bigint NOT NULL,
        PRIMARY KEY (period, team, advisor_id)
    );
    CREATE TABLE rollup_advisor_day (LIKE rollup_advisor_month INCLUDING ALL);
    CREATE TABLE rollup_step_month (
        period    date NOT NULL,
        team      text NOT NULL,
        step_id   text NOT NULL,
        decisions bigint NOT NULL,
        overrides bigint NOT NULL,
        PRIMARY KEY (period, team, step_id)
    );
    CREATE TABLE rollup_step_day (LIKE rollup_step_month INCLUDING ALL);
    INSERT INTO rollup_advisor_month SELECT period, team, advisor_id, sum(decisions),
        sum(overrides) FROM rollup_cells_month GROUP BY 1, 2, 3;
    INSERT INTO rollup_advisor_day SELECT period, team, advisor_id, sum(decisions),
        sum(overrides) FROM rollup_cells_day GROUP BY 1, 2, 3;
    INSERT INTO rollup_step_month SELECT period, team, step_id, sum(decisions),
        sum(overrides) FROM rollup_cells_month GROUP BY 1, 2, 3;
    INSERT INTO rollup_step_day SELECT period, team, step_id, sum(decisions),
        sum(overrides) FROM rollup_cells_day GROUP BY 1, 2, 3;
    DROP TABLE rollup_cells_month, rollup_cells_day;
    CREATE INDEX ix_decisions_reason ON decisions (reason_code, decided_at, id)
        WHERE reason_code IS NOT NULL;
    """,
)

LATEST_SQLITE = len(SQLITE)
LATEST_POSTGRES = len(POSTGRES)


class SchemaOutOfDate(RuntimeError):
    """The database's schema is older (or newer) than this release expects."""

    def __init__(self, found: int, wanted: int, database: str) -> None:
        if found < wanted:
            what = (
                f"the decisions database {database} is at schema version {found}, this "
                f"release needs {wanted}: run 'advisor-tui serve decisions --database URL "
                "--migrate' first"
            )
        else:
            what = (
                f"the decisions database {database} is at schema version {found}, newer than "
                f"this release knows ({wanted}): upgrade advisor-tui"
            )
        super().__init__(what)
        self.found = found
        self.wanted = wanted
