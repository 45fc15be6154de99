"""postgresql: the whole schema at this revision, for a PostgreSQL database

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 18:00:00

SQLite reached this schema step by step (0001-0013, each SQLite-only: table rebuilds, FTS5, triggers in
SQLite's dialect). A PostgreSQL database starts here, with the same schema written in its own terms:
the same tables and indexes (frozen as at this revision, never read from the live models), due_sort
kept by a trigger (a generated column may not format a date), the owner rows' copies of their
action's state and the change counters kept by triggers, and full-text search as a weighted tsvector
column with a GIN index, its words (for correcting typos) kept in search_term. Later migrations change
both databases, saying so where they differ.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    """CREATE TABLE bot_message (
    channel VARCHAR NOT NULL,
    ts VARCHAR NOT NULL,
    ref VARCHAR NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (channel, ts)
)""",
    """CREATE TABLE handled_request (
    key VARCHAR NOT NULL,
    received_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (key)
)""",
    """CREATE TABLE member (
    id SERIAL NOT NULL,
    name VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    initials VARCHAR,
    role VARCHAR,
    organisation VARCHAR,
    constituency VARCHAR,
    slack_user_id VARCHAR,
    teams_user_id VARCHAR,
    is_secretariat BOOLEAN NOT NULL,
    is_chair BOOLEAN NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id)
)""",
    "CREATE INDEX ix_member_key ON member (key)",
    "CREATE UNIQUE INDEX ix_member_slack_user_id ON member (slack_user_id)",
    "CREATE UNIQUE INDEX ix_member_teams_user_id ON member (teams_user_id)",
    """CREATE TABLE pending_upload (
    id SERIAL NOT NULL,
    file_id VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    data BYTEA NOT NULL,
    uploaded_by VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    decided_by VARCHAR,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id)
)""",
    "CREATE INDEX ix_pending_upload_file_id ON pending_upload (file_id)",
    """CREATE TABLE source_document (
    id SERIAL NOT NULL,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    imported_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    imported_by VARCHAR,
    PRIMARY KEY (id)
)""",
    "CREATE UNIQUE INDEX ix_source_document_sha256 ON source_document (sha256)",
    """CREATE TABLE working_group (
    id SERIAL NOT NULL,
    code VARCHAR NOT NULL,
    name VARCHAR,
    ref_prefix VARCHAR NOT NULL,
    cadence_week INTEGER,
    cadence_weekday INTEGER,
    cadence_time VARCHAR,
    channel_id VARCHAR,
    teams_channel TEXT,
    calendar_token VARCHAR,
    digest_days_before INTEGER NOT NULL DEFAULT 2,
    digest_time VARCHAR NOT NULL DEFAULT '09:00',
    reminder_time VARCHAR DEFAULT '08:30',
    PRIMARY KEY (id)
)""",
    "CREATE UNIQUE INDEX ix_working_group_code ON working_group (code)",
    """CREATE TABLE digest_run (
    id SERIAL NOT NULL,
    group_id INTEGER NOT NULL,
    meeting_date DATE NOT NULL,
    extraordinary BOOLEAN NOT NULL,
    slot VARCHAR NOT NULL,
    due_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    status VARCHAR NOT NULL,
    claimed_by VARCHAR,
    claimed_at TIMESTAMP WITHOUT TIME ZONE,
    attempts INTEGER NOT NULL,
    sent_at TIMESTAMP WITHOUT TIME ZONE,
    error VARCHAR,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_digest_run_slot UNIQUE (group_id, meeting_date, extraordinary, slot),
    FOREIGN KEY(group_id) REFERENCES working_group (id) ON DELETE CASCADE
)""",
    "CREATE INDEX ix_digest_run_group_id ON digest_run (group_id)",
    """CREATE TABLE meeting (
    id SERIAL NOT NULL,
    group_id INTEGER NOT NULL,
    number VARCHAR,
    date DATE NOT NULL,
    start VARCHAR,
    "end" VARCHAR,
    extraordinary BOOLEAN NOT NULL,
    status VARCHAR NOT NULL,
    title VARCHAR,
    venue VARCHAR,
    source VARCHAR NOT NULL,
    source_document_id INTEGER,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(group_id) REFERENCES working_group (id) ON DELETE CASCADE,
    FOREIGN KEY(source_document_id) REFERENCES source_document (id) ON DELETE SET NULL
)""",
    "CREATE INDEX ix_meeting_group_date ON meeting (group_id, date)",
    "CREATE INDEX ix_meeting_group_id ON meeting (group_id)",
    "CREATE INDEX ix_meeting_source_document_id ON meeting (source_document_id)",
    """CREATE TABLE member_alias (
    id SERIAL NOT NULL,
    member_id INTEGER NOT NULL,
    alias VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE CASCADE
)""",
    "CREATE UNIQUE INDEX ix_member_alias_key ON member_alias (key)",
    "CREATE INDEX ix_member_alias_member_id ON member_alias (member_id)",
    """CREATE TABLE member_group (
    member_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    PRIMARY KEY (member_id, group_id),
    FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE CASCADE,
    FOREIGN KEY(group_id) REFERENCES working_group (id) ON DELETE CASCADE
)""",
    """CREATE TABLE owner_name (
    id SERIAL NOT NULL,
    key VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    member_id INTEGER,
    match_score FLOAT,
    PRIMARY KEY (id),
    FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE SET NULL
)""",
    "CREATE UNIQUE INDEX ix_owner_name_key ON owner_name (key)",
    "CREATE INDEX ix_owner_name_member_id ON owner_name (member_id)",
    """CREATE TABLE slack_user (
    user_id VARCHAR NOT NULL,
    real_name VARCHAR,
    display_name VARCHAR,
    member_id INTEGER,
    asked_member_id INTEGER,
    asked_at TIMESTAMP WITHOUT TIME ZONE,
    declined BOOLEAN NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (user_id),
    FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE SET NULL,
    FOREIGN KEY(asked_member_id) REFERENCES member (id) ON DELETE SET NULL
)""",
    "CREATE INDEX ix_slack_user_asked_member_id ON slack_user (asked_member_id)",
    "CREATE INDEX ix_slack_user_member_id ON slack_user (member_id)",
    """CREATE TABLE teams_user (
    user_id VARCHAR NOT NULL,
    name VARCHAR,
    member_id INTEGER,
    asked_member_id INTEGER,
    asked_at TIMESTAMP WITHOUT TIME ZONE,
    declined BOOLEAN NOT NULL,
    service_url VARCHAR,
    tenant_id VARCHAR,
    conversation_id VARCHAR,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (user_id),
    FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE SET NULL,
    FOREIGN KEY(asked_member_id) REFERENCES member (id) ON DELETE SET NULL
)""",
    "CREATE INDEX ix_teams_user_member_id ON teams_user (member_id)",
    """CREATE TABLE action (
    id SERIAL NOT NULL,
    group_id INTEGER NOT NULL,
    ref VARCHAR NOT NULL,
    area VARCHAR,
    text VARCHAR NOT NULL,
    owner VARCHAR,
    due DATE,
    status VARCHAR NOT NULL,
    meeting_id INTEGER,
    reported_on DATE,
    reported_done BOOLEAN NOT NULL DEFAULT false,
    news_on DATE,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    due_sort VARCHAR,
    PRIMARY KEY (id),
    CONSTRAINT uq_action_group_ref UNIQUE (group_id, ref),
    FOREIGN KEY(group_id) REFERENCES working_group (id) ON DELETE CASCADE,
    FOREIGN KEY(meeting_id) REFERENCES meeting (id) ON DELETE SET NULL
)""",
    "CREATE INDEX ix_action_meeting_id ON action (meeting_id)",
    "CREATE INDEX ix_action_ref ON action (ref)",
    """CREATE TABLE agenda_item (
    id SERIAL NOT NULL,
    meeting_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    item VARCHAR,
    title VARCHAR NOT NULL,
    objective VARCHAR,
    kind VARCHAR,
    lead VARCHAR,
    start VARCHAR,
    "end" VARCHAR,
    PRIMARY KEY (id),
    FOREIGN KEY(meeting_id) REFERENCES meeting (id) ON DELETE CASCADE
)""",
    "CREATE INDEX ix_agenda_item_meeting_id ON agenda_item (meeting_id)",
    """CREATE TABLE attendance (
    id SERIAL NOT NULL,
    meeting_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    status VARCHAR NOT NULL,
    section VARCHAR,
    role VARCHAR,
    on_behalf_of VARCHAR,
    PRIMARY KEY (id),
    CONSTRAINT uq_attendance UNIQUE (meeting_id, member_id),
    FOREIGN KEY(meeting_id) REFERENCES meeting (id) ON DELETE CASCADE,
    FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE CASCADE
)""",
    "CREATE INDEX ix_attendance_meeting_id ON attendance (meeting_id)",
    "CREATE INDEX ix_attendance_member_id ON attendance (member_id)",
    """CREATE TABLE decision (
    id SERIAL NOT NULL,
    group_id INTEGER NOT NULL,
    ref VARCHAR NOT NULL,
    area VARCHAR,
    text VARCHAR NOT NULL,
    meeting_id INTEGER,
    source_document_id INTEGER,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_decision_group_ref UNIQUE (group_id, ref),
    FOREIGN KEY(group_id) REFERENCES working_group (id) ON DELETE CASCADE,
    FOREIGN KEY(meeting_id) REFERENCES meeting (id) ON DELETE SET NULL,
    FOREIGN KEY(source_document_id) REFERENCES source_document (id) ON DELETE SET NULL
)""",
    "CREATE INDEX ix_decision_group_id ON decision (group_id)",
    "CREATE INDEX ix_decision_meeting_id ON decision (meeting_id)",
    "CREATE INDEX ix_decision_ref ON decision (ref)",
    "CREATE INDEX ix_decision_source_document_id ON decision (source_document_id)",
    """CREATE TABLE digest_part (
    id SERIAL NOT NULL,
    run_id INTEGER NOT NULL,
    key VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    claimed_by VARCHAR,
    claimed_at TIMESTAMP WITHOUT TIME ZONE,
    attempts INTEGER NOT NULL,
    channel VARCHAR,
    ts VARCHAR,
    error VARCHAR,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_digest_part UNIQUE (run_id, key),
    FOREIGN KEY(run_id) REFERENCES digest_run (id) ON DELETE CASCADE
)""",
    """CREATE TABLE mention (
    id SERIAL NOT NULL,
    group_id INTEGER NOT NULL,
    ref VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    area VARCHAR,
    text VARCHAR NOT NULL,
    text_key VARCHAR NOT NULL,
    meeting_id INTEGER,
    source_document_id INTEGER,
    PRIMARY KEY (id),
    FOREIGN KEY(group_id) REFERENCES working_group (id) ON DELETE CASCADE,
    FOREIGN KEY(meeting_id) REFERENCES meeting (id) ON DELETE SET NULL,
    FOREIGN KEY(source_document_id) REFERENCES source_document (id) ON DELETE SET NULL
)""",
    "CREATE INDEX ix_mention_group_id ON mention (group_id)",
    "CREATE INDEX ix_mention_meeting_id ON mention (meeting_id)",
    "CREATE INDEX ix_mention_source_document_id ON mention (source_document_id)",
    "CREATE UNIQUE INDEX uq_mention_ref_text ON mention (ref, text_key)",
    """CREATE TABLE action_event (
    id SERIAL NOT NULL,
    action_id INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    text VARCHAR,
    at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    recorded_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    by VARCHAR,
    member_id INTEGER,
    slack_user_id VARCHAR,
    teams_user_id VARCHAR,
    source VARCHAR,
    source_document_id INTEGER,
    status_before VARCHAR,
    status_after VARCHAR,
    due_before DATE,
    due_after DATE,
    PRIMARY KEY (id),
    FOREIGN KEY(action_id) REFERENCES action (id) ON DELETE CASCADE,
    FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE SET NULL,
    FOREIGN KEY(source_document_id) REFERENCES source_document (id) ON DELETE SET NULL
)""",
    "CREATE INDEX ix_action_event_action_id ON action_event (action_id)",
    "CREATE INDEX ix_action_event_member_id ON action_event (member_id)",
    "CREATE INDEX ix_action_event_source_document_id ON action_event (source_document_id)",
    """CREATE TABLE action_owner (
    id SERIAL NOT NULL,
    action_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    role_key VARCHAR,
    org_key VARCHAR,
    group_code VARCHAR,
    owner_name_id INTEGER,
    status VARCHAR,
    due_sort VARCHAR,
    group_id INTEGER,
    PRIMARY KEY (id),
    FOREIGN KEY(action_id) REFERENCES action (id) ON DELETE CASCADE,
    FOREIGN KEY(owner_name_id) REFERENCES owner_name (id) ON DELETE SET NULL
)""",
    "CREATE INDEX ix_action_owner_action_id ON action_owner (action_id)",
    "CREATE INDEX ix_action_owner_org_key ON action_owner (org_key)",
    "CREATE INDEX ix_action_owner_role_key ON action_owner (role_key)",
]

# Indexes the SQLite migrations made by hand (0003, 0006, 0008, 0009): the owner lookups and digests.
INDEXES = [
    "CREATE INDEX ix_action_status_due_sort ON action (status, due_sort)",
    "CREATE INDEX ix_action_group_open ON action (group_id, status, due_sort, ref, due)",
    "CREATE INDEX ix_action_owner_digest ON action_owner (group_id, status, due_sort, action_id, kind, "
    'name, "key", role_key, org_key, owner_name_id)',
    "CREATE INDEX ix_action_owner_named_open ON action_owner (owner_name_id, status, due_sort) "
    "WHERE owner_name_id IS NOT NULL",
    "CREATE INDEX ix_action_owner_role_open ON action_owner (role_key, status, due_sort) WHERE kind = 'role'",
    "CREATE INDEX ix_action_owner_org_open ON action_owner (org_key, status, due_sort) "
    "WHERE kind = 'organisation'",
    "CREATE INDEX ix_action_owner_group_open ON action_owner (group_code, status, due_sort) "
    "WHERE kind = 'group'",
]

TRIGGERS = [
    # due_sort: the due date as ISO text, undated last ("9999-12-31"), as SQLite's generated column.
    """CREATE FUNCTION action_due_sort() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.due_sort := coalesce(to_char(NEW.due, 'YYYY-MM-DD'), '9999-12-31');
    RETURN NEW;
END $$""",
    "CREATE TRIGGER action_due_sort BEFORE INSERT ON action FOR EACH ROW EXECUTE FUNCTION action_due_sort()",
    "CREATE TRIGGER action_due_sort_moved BEFORE UPDATE OF due ON action "
    "FOR EACH ROW WHEN (OLD.due IS DISTINCT FROM NEW.due) EXECUTE FUNCTION action_due_sort()",
    # Owner rows carry their action's status, due_sort and group (the lookups index them).
    """CREATE FUNCTION action_owner_copy_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS NULL OR NEW.due_sort IS NULL OR NEW.group_id IS NULL THEN
        SELECT a.status, a.due_sort, a.group_id INTO NEW.status, NEW.due_sort, NEW.group_id
        FROM action a WHERE a.id = NEW.action_id;
    END IF;
    RETURN NEW;
END $$""",
    "CREATE TRIGGER action_owner_copy_state BEFORE INSERT ON action_owner "
    "FOR EACH ROW EXECUTE FUNCTION action_owner_copy_state()",
    """CREATE FUNCTION action_state_to_owners() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status OR NEW.due_sort IS DISTINCT FROM OLD.due_sort THEN
        UPDATE action_owner SET status = NEW.status, due_sort = NEW.due_sort WHERE action_id = NEW.id;
    END IF;
    RETURN NULL;
END $$""",
    # (WHEN: an import writes every column of each action it lists, once; only real changes cost.)
    "CREATE TRIGGER action_state_to_owners AFTER UPDATE OF status, due ON action FOR EACH ROW "
    "WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.due IS DISTINCT FROM NEW.due) "
    "EXECUTE FUNCTION action_state_to_owners()",
    # How many times members (with aliases) and groups changed: a process tells in one read whether
    # what it holds in memory is still right.
    "CREATE TABLE change_counter (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL)",
    "INSERT INTO change_counter (name, value) VALUES ('members', 1), ('groups', 1)",
    """CREATE FUNCTION count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE change_counter SET value = value + 1 WHERE name = TG_ARGV[0];
    RETURN NULL;
END $$""",
    "CREATE TRIGGER member_counts AFTER INSERT OR UPDATE OR DELETE ON member "
    "FOR EACH STATEMENT EXECUTE FUNCTION count_change('members')",
    "CREATE TRIGGER member_alias_counts AFTER INSERT OR UPDATE OR DELETE ON member_alias "
    "FOR EACH STATEMENT EXECUTE FUNCTION count_change('members')",
    "CREATE TRIGGER working_group_counts AFTER INSERT OR UPDATE OR DELETE ON working_group "
    "FOR EACH STATEMENT EXECUTE FUNCTION count_change('groups')",
]

# Full-text search: English Snowball stemming, keeping every word (the stock english configuration
# drops stop words, which SQLite's index keeps); the area names the topic, the text says it (weights A
# and B), the ref and owner count for little (D). The words are kept for typo correction.
SEARCH = [
    "CREATE TEXT SEARCH DICTIONARY tmag_stem (TEMPLATE = snowball, Language = english)",
    "CREATE TEXT SEARCH CONFIGURATION tmag (COPY = english)",
    "ALTER TEXT SEARCH CONFIGURATION tmag ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, "
    "word, hword, hword_part WITH tmag_stem",
    "ALTER TABLE action ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('tmag', coalesce(area, '')), 'A') || "
    "setweight(to_tsvector('tmag', coalesce(text, '')), 'B') || "
    "setweight(to_tsvector('tmag', coalesce(ref, '') || ' ' || coalesce(owner, '')), 'D')) STORED",
    "CREATE INDEX ix_action_search ON action USING gin (search)",
    "ALTER TABLE decision ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('tmag', coalesce(area, '')), 'A') || "
    "setweight(to_tsvector('tmag', coalesce(text, '')), 'B') || "
    "setweight(to_tsvector('tmag', coalesce(ref, '')), 'D')) STORED",
    "CREATE INDEX ix_decision_search ON decision USING gin (search)",
    "CREATE TABLE search_term (kind VARCHAR NOT NULL, term VARCHAR NOT NULL, PRIMARY KEY (kind, term))",
    # Statement-level, with the rows a statement wrote as a transition table: an import writes a
    # report's actions in one statement, and their words go in with one INSERT.
    """CREATE FUNCTION keep_search_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_term (kind, term)
    SELECT DISTINCT TG_ARGV[0], word FROM changed, unnest(tsvector_to_array(changed.search)) AS word
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER action_search_terms AFTER INSERT ON action REFERENCING NEW TABLE AS changed "
    "FOR EACH STATEMENT EXECUTE FUNCTION keep_search_terms('action')",
    "CREATE TRIGGER action_search_terms_changed AFTER UPDATE ON action REFERENCING NEW TABLE AS changed "
    "FOR EACH STATEMENT EXECUTE FUNCTION keep_search_terms('action')",
    "CREATE TRIGGER decision_search_terms AFTER INSERT ON decision REFERENCING NEW TABLE AS changed "
    "FOR EACH STATEMENT EXECUTE FUNCTION keep_search_terms('decision')",
    "CREATE TRIGGER decision_search_terms_changed AFTER UPDATE ON decision REFERENCING NEW TABLE AS changed "
    "FOR EACH STATEMENT EXECUTE FUNCTION keep_search_terms('decision')",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has this schema from 0001-0013
    for statement in [*TABLES, *INDEXES, *TRIGGERS, *SEARCH]:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    bind = op.get_bind()
    tables = bind.exec_driver_sql(
        "SELECT tablename FROM pg_tables "
        "WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
    ).all()
    for (table,) in tables:
        op.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE')
    for function in (
        "action_due_sort",
        "action_owner_copy_state",
        "action_state_to_owners",
        "count_change",
        "keep_search_terms",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {function}() CASCADE")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS tmag")
    op.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS tmag_stem")
