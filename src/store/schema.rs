//! The schema, as append-only migrations tracked with SQLite's `user_version`.
//!
//! Never edit a migration that has shipped: add a new one at the end.

use rusqlite_migration::{M, Migrations};

/// `PRAGMA application_id` of every tailor store: "tail" in ASCII
/// (0x7461696C), in the database header at offset 68. It is what tells our
/// file from another program's SQLite database before anything is written.
/// `file(1)` reports such a file as "SQLite 3.x database, application id
/// 1952541036". Never change it: stores made with another value would be
/// refused as foreign.
pub const APPLICATION_ID: i32 = 0x7461_696C;

/// The tables of the first migration: a database whose `application_id` is
/// still 0 (made before the stamp) is ours when it has every one of them
/// and a `user_version` of at least 1.
pub(super) const FIRST_TABLES: &[&str] = &[
    "users",
    "products",
    "events",
    "model_versions",
    "model_activations",
    "generations",
    "labels",
    "jobs",
];

/// Every migration, oldest first.
const MIGRATIONS: &[M<'static>] = &[
    M::up(
        r#"
-- Shoppers and products carry an integer surrogate key so that the events
-- table (tens of millions of rows) stays small and its indexes stay fast.
CREATE TABLE users (
    id           INTEGER PRIMARY KEY,
    user_id      TEXT    NOT NULL UNIQUE,
    display_name TEXT,
    -- lower(display_name), for the case-insensitive prefix filter
    name_key     TEXT,
    attributes   TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX users_name_key ON users(name_key, user_id) WHERE name_key IS NOT NULL;

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    product_id  TEXT    NOT NULL UNIQUE,
    title       TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    brand       TEXT,
    price       REAL    CHECK (price >= 0),
    description TEXT,
    attributes  TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX products_category ON products(category);

CREATE TABLE events (
    id      INTEGER PRIMARY KEY,
    user    INTEGER NOT NULL REFERENCES users(id),
    product INTEGER NOT NULL REFERENCES products(id),
    -- OR rather than IN: an IN list builds a lookup table for every
    -- inserted row, which cost 16% of a bulk import.
    kind    TEXT    NOT NULL
            CHECK (kind = 'view' OR kind = 'cart' OR kind = 'purchase' OR kind = 'review'),
    ts      INTEGER NOT NULL,
    rating  INTEGER CHECK (rating BETWEEN 1 AND 5),
    text    TEXT
);
-- The contract's uniqueness key, ordered so that the same index serves
-- "a shopper's history, newest first".
CREATE UNIQUE INDEX events_user_ts ON events(user, ts, product, kind);
-- "A product's events".
CREATE INDEX events_product_ts ON events(product, ts);

CREATE TABLE model_versions (
    version    TEXT    PRIMARY KEY,
    parent     TEXT    REFERENCES model_versions(version),
    kind       TEXT    NOT NULL CHECK (kind IN ('pretrain', 'finetune')),
    created_at INTEGER NOT NULL,
    metrics    TEXT    NOT NULL DEFAULT '{}',
    -- 'candidate' until promoted; 'refused' when a load found it corrupt
    status     TEXT    NOT NULL DEFAULT 'candidate'
);

-- Which version is active, with its history: the newest row wins, so a
-- rollback is a new row and the history is never rewritten.
CREATE TABLE model_activations (
    id         INTEGER PRIMARY KEY,
    version    TEXT    NOT NULL REFERENCES model_versions(version),
    actor      TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE generations (
    id            INTEGER PRIMARY KEY,
    user          INTEGER NOT NULL REFERENCES users(id),
    product       INTEGER NOT NULL REFERENCES products(id),
    model_version TEXT    NOT NULL REFERENCES model_versions(version),
    text          TEXT    NOT NULL,
    logprob       REAL    NOT NULL,
    -- temperature, top-p, seed, ... as a JSON object
    sampling      TEXT    NOT NULL DEFAULT '{}',
    created_at    INTEGER NOT NULL
);
CREATE INDEX generations_user_product ON generations(user, product, id);

-- Labels are append-only: an undo is a row with label 'undo' that cancels
-- the row it names, a redo a row that restores it.
CREATE TABLE labels (
    id            INTEGER PRIMARY KEY,
    generation    INTEGER NOT NULL REFERENCES generations(id),
    label         TEXT    NOT NULL CHECK (label IN ('up', 'down', 'undo', 'redo')),
    -- for 'undo' and 'redo': the label row acted on
    target        INTEGER REFERENCES labels(id),
    reason        TEXT,
    note          TEXT,
    analyst       TEXT    NOT NULL,
    -- 1 when the analyst name was claimed with --analyst, not the OS account
    analyst_claimed INTEGER NOT NULL DEFAULT 0,
    model_version TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    -- the fine-tuned version that consumed this label, once used
    consumed_by   TEXT
);
CREATE INDEX labels_generation ON labels(generation, id);
CREATE INDEX labels_analyst ON labels(analyst, id);

-- Background jobs and the one-trainer lease.
CREATE TABLE jobs (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    holder     TEXT    NOT NULL,
    pid        INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    heartbeat  INTEGER NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'running'
                       CHECK (state IN ('running', 'done', 'failed', 'cancelled')),
    detail     TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX jobs_state ON jobs(state, kind);
"#,
    ),
    // The console: undo and redo find the rows that act on a label, and each
    // analyst's place in the console survives a restart.
    M::up(
        r#"
CREATE INDEX labels_target ON labels(target, id) WHERE target IS NOT NULL;

-- One row per analyst: where they left off (JSON). Rewritten in place; it
-- holds no work, only a position.
CREATE TABLE console_sessions (
    analyst    TEXT    PRIMARY KEY,
    state      TEXT    NOT NULL DEFAULT '{}',
    updated_at INTEGER NOT NULL
);
"#,
    ),
    // Hardening (issue 19): what a label "in effect" is, written once as two
    // views; undo scoped to the console run that made the label; why a
    // version was refused; which version a trainer was writing, so the next
    // trainer can sweep a folder a killed one left unregistered.
    M::up(
        r#"
-- The console run (see store/sessions.rs) that wrote a label; NULL for the
-- command line. Undo and redo act only within one run.
ALTER TABLE labels ADD COLUMN session INTEGER;
CREATE INDEX labels_session ON labels(session, id) WHERE session IS NOT NULL;

-- One row per console run an analyst has had. A run is live while its
-- process holds `<store>.session-<id>.lock`; a new console resumes the
-- analyst's newest run that is not live, so undo survives a restart but
-- never reaches into another open console.
CREATE TABLE console_runs (
    id         INTEGER PRIMARY KEY,
    analyst    TEXT    NOT NULL,
    started_at INTEGER NOT NULL
);
CREATE INDEX console_runs_analyst ON console_runs(analyst, id);

-- An up/down row is active unless the newest undo/redo row acting on it is
-- an undo.
CREATE VIEW active_labels AS
SELECT l.* FROM labels l
WHERE l.label IN ('up', 'down')
  AND COALESCE((SELECT x.label FROM labels x WHERE x.target = l.id
                ORDER BY x.id DESC LIMIT 1), 'redo') = 'redo';

-- The label in effect for a candidate and an analyst: their newest active
-- row for it (re-labelling is an edit; undoing the edit restores the old one).
CREATE VIEW labels_in_effect AS
SELECT a.* FROM active_labels a
WHERE a.id = (SELECT max(b.id) FROM active_labels b
              WHERE b.generation = a.generation AND b.analyst = a.analyst);

ALTER TABLE model_versions ADD COLUMN status_reason TEXT;

-- The version folder a trainer is writing, until it is registered.
ALTER TABLE jobs ADD COLUMN writing TEXT;
"#,
    ),
];

/// The migrations, in order.
pub fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

/// The `user_version` of a store with every migration applied.
pub(super) fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }

    #[test]
    fn the_first_migration_creates_every_table_that_marks_an_old_store() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        migrations().to_version(&mut conn, 1).unwrap();
        for table in FIRST_TABLES {
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(n, 1, "{table}");
        }
    }
}
