/// The task store's schema history. Add a migration to change it; never edit an applied one.
enum TaskStoreSchema {
    static let migrator = SchemaMigrator(migrations: [
        SchemaMigration(
            version: 1, name: "tasks, deliveries, results, task errors",
            sql: """
                CREATE TABLE tasks (
                    task_uuid TEXT PRIMARY KEY NOT NULL,
                    state TEXT NOT NULL,
                    request_json TEXT NOT NULL,
                    request_hash TEXT NOT NULL,
                    payload_json TEXT NOT NULL,
                    number_results INTEGER NOT NULL,
                    output_format TEXT NOT NULL,
                    output_type TEXT NOT NULL,
                    width INTEGER,
                    height INTEGER,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    submitted_at REAL,
                    finished_at REAL,
                    submit_attempts INTEGER NOT NULL DEFAULT 0,
                    error_code TEXT,
                    error_message TEXT
                );
                CREATE INDEX tasks_by_state ON tasks(state, created_at, task_uuid);
                CREATE INDEX tasks_by_creation ON tasks(created_at, task_uuid);

                CREATE TABLE deliveries (
                    id INTEGER PRIMARY KEY,
                    task_uuid TEXT NOT NULL,
                    source TEXT NOT NULL,
                    received_at REAL NOT NULL,
                    raw_body BLOB NOT NULL
                );
                CREATE INDEX deliveries_by_task ON deliveries(task_uuid);

                CREATE TABLE results (
                    image_uuid TEXT PRIMARY KEY NOT NULL,
                    task_uuid TEXT NOT NULL REFERENCES tasks(task_uuid),
                    state TEXT NOT NULL,
                    source_kind TEXT NOT NULL,
                    source_value TEXT NOT NULL,
                    seed TEXT,
                    nsfw INTEGER,
                    cost REAL,
                    raw_json TEXT NOT NULL,
                    received_at REAL NOT NULL,
                    format TEXT,
                    width INTEGER,
                    height INTEGER,
                    byte_size INTEGER,
                    sha256 TEXT,
                    path TEXT,
                    stored_at REAL,
                    failure_reason TEXT,
                    fetch_attempts INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX results_by_state ON results(state, received_at);
                CREATE INDEX results_by_task ON results(task_uuid, state);

                CREATE TABLE task_errors (
                    id INTEGER PRIMARY KEY,
                    task_uuid TEXT NOT NULL REFERENCES tasks(task_uuid),
                    code TEXT NOT NULL,
                    message TEXT NOT NULL,
                    parameter TEXT,
                    raw_json TEXT NOT NULL,
                    recorded_at REAL NOT NULL
                );
                CREATE INDEX task_errors_by_task ON task_errors(task_uuid);
                """),
        SchemaMigration(
            version: 2, name: "recovery: submission failures, uncertain sends, polling, how results arrived",
            sql: """
                ALTER TABLE tasks ADD COLUMN submit_failures INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE tasks ADD COLUMN submission_uncertain INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE tasks ADD COLUMN last_polled_at REAL;
                ALTER TABLE results ADD COLUMN received_via TEXT NOT NULL DEFAULT 'webhook';
                ALTER TABLE results ADD COLUMN refetches INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX tasks_by_submission ON tasks(state, submitted_at);
                -- Partial: only the rare polled results pay for this index (webhook acks stay cheap).
                CREATE INDEX results_found_by_polling ON results(received_via) WHERE received_via = 'poll';
                -- Nothing reads deliveries by task on a hot path; every delivery paid for this index.
                DROP INDEX deliveries_by_task;
                """),
        SchemaMigration(
            version: 3, name: "refused results: a bounded ring of results beyond the task or after it ended",
            sql: """
                -- A ring: slot = seq % capacity, each insert replaces the oldest entry, so a token
                -- holder posting results without end cannot grow the database.
                CREATE TABLE refused_results (
                    slot INTEGER PRIMARY KEY,
                    seq INTEGER NOT NULL,
                    task_uuid TEXT NOT NULL,
                    image_uuid TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    source TEXT NOT NULL,
                    source_kind TEXT NOT NULL,
                    url TEXT,
                    received_at REAL NOT NULL
                );
                CREATE INDEX refused_results_by_seq ON refused_results(seq);
                CREATE INDEX refused_results_by_task ON refused_results(task_uuid, seq);
                """),
        SchemaMigration(
            version: 4, name: "spend control (held tasks, spend per UTC day kept by a trigger), thumbnails",
            sql: """
                ALTER TABLE tasks ADD COLUMN held_reason TEXT;
                ALTER TABLE results ADD COLUMN thumbnail_sha256 TEXT;
                -- Spend per UTC day, kept by the trigger below in the same transaction as the result
                -- insert: no Swift on the webhook path, and a duplicate result (not inserted) costs nothing.
                CREATE TABLE spend_days (
                    day TEXT PRIMARY KEY NOT NULL,
                    usd REAL NOT NULL,
                    images INTEGER NOT NULL
                );
                INSERT INTO spend_days (day, usd, images)
                    SELECT date(received_at, 'unixepoch'), SUM(cost), COUNT(*) FROM results
                    WHERE cost IS NOT NULL GROUP BY 1;
                CREATE TRIGGER results_spend AFTER INSERT ON results WHEN NEW.cost IS NOT NULL
                BEGIN
                    INSERT INTO spend_days (day, usd, images) VALUES (date(NEW.received_at, 'unixepoch'), NEW.cost, 1)
                    ON CONFLICT(day) DO UPDATE SET usd = usd + excluded.usd, images = images + 1;
                END;
                """),
        SchemaMigration(
            version: 5, name: "Runware fidelity: sends, poll outcomes, unrecognised items",
            sql: """
                -- How many times kontextd POSTed the task: conflictTaskUUID proves acceptance only on a resend.
                ALTER TABLE tasks ADD COLUMN send_count INTEGER NOT NULL DEFAULT 0;
                -- getResponse said taskFailedOrNotFound after an unanswered send: the task is sent
                -- again, and a conflictTaskUUID then means "it ran and failed", not "accepted".
                ALTER TABLE tasks ADD COLUMN resent_after_failed_or_not_found INTEGER NOT NULL DEFAULT 0;
                -- Every poll is recorded whatever its outcome, so the reconciler can take the least
                -- recently polled first and say what it tried when a task runs out of time.
                ALTER TABLE tasks ADD COLUMN poll_count INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE tasks ADD COLUMN last_poll_outcome TEXT;
                ALTER TABLE tasks ADD COLUMN last_poll_error TEXT;
                CREATE INDEX tasks_by_last_poll ON tasks(state, last_polled_at);
                -- Items of a Runware body kontextd could not read, kept raw beside their task.
                CREATE TABLE unrecognised_items (
                    id INTEGER PRIMARY KEY,
                    task_uuid TEXT NOT NULL REFERENCES tasks(task_uuid),
                    source TEXT NOT NULL,
                    place TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    raw_json TEXT NOT NULL,
                    received_at REAL NOT NULL
                );
                CREATE INDEX unrecognised_items_by_task ON unrecognised_items(task_uuid);
                """),
        SchemaMigration(
            version: 6, name: "downstream sync: event log and per-sink outbox",
            sql: """
                -- The durable, ordered event log: the pull feed's cursor is the id (AUTOINCREMENT: never
                -- reused, so a cursor stays valid forever). One event per image stored, one per task
                -- finished, guaranteed by the unique index.
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    event_uuid TEXT NOT NULL,
                    type TEXT NOT NULL,
                    task_uuid TEXT NOT NULL,
                    image_uuid TEXT,
                    body TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE UNIQUE INDEX events_once ON events(type, task_uuid, COALESCE(image_uuid, ''));
                CREATE INDEX events_by_image ON events(image_uuid) WHERE image_uuid IS NOT NULL;

                -- One row per event and configured sink, written in the transaction that wrote the event.
                CREATE TABLE outbox (
                    sink TEXT NOT NULL,
                    event_id INTEGER NOT NULL REFERENCES events(id),
                    state TEXT NOT NULL DEFAULT 'pending',
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL NOT NULL,
                    last_error TEXT,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (sink, event_id)
                ) WITHOUT ROWID;
                CREATE INDEX outbox_due ON outbox(sink, next_attempt_at, event_id) WHERE state = 'pending';
                CREATE INDEX outbox_dead ON outbox(sink, event_id) WHERE state = 'dead';

                -- Set when images.retainLocalDays removed the local file after every sink confirmed it.
                ALTER TABLE results ADD COLUMN local_deleted_at REAL;
                """),
        SchemaMigration(
            version: 7, name: "downstream sync: deliveries that must first look for an earlier copy",
            sql: """
                -- 1 when the object may already be in the sink (a backfill, a dead letter put back, a
                -- failed attempt that may have reached the store): an S3 sink then asks with a HEAD
                -- before uploading. A fresh delivery (0) uploads at once.
                ALTER TABLE outbox ADD COLUMN check_existing INTEGER NOT NULL DEFAULT 0;

                -- Per sink, the newest event a delivery attempt was started for, raised before the
                -- attempts start: after a restart (or a kill), deliveries of events up to it may have
                -- been on their way and look first; newer ones were never attempted and upload at once.
                CREATE TABLE sink_progress (
                    sink TEXT PRIMARY KEY,
                    attempted_through INTEGER NOT NULL
                ) WITHOUT ROWID;
                """),
    ])
}
