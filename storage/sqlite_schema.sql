-- The schema the migrations build on SQLite (storage/snapshot.py writes this file).
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

CREATE TABLE member (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	"key" VARCHAR NOT NULL, 
	initials VARCHAR, 
	role VARCHAR, 
	organisation VARCHAR, 
	constituency VARCHAR, 
	slack_user_id VARCHAR, 
	is_secretariat BOOLEAN NOT NULL, 
	is_chair BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, teams_user_id VARCHAR, email VARCHAR, slack_link VARCHAR, teams_link VARCHAR, notify VARCHAR, email_failing VARCHAR, email_failing_at DATETIME, 
	PRIMARY KEY (id)
);

CREATE TABLE source_document (
	id INTEGER NOT NULL, 
	file_name VARCHAR NOT NULL, 
	sha256 VARCHAR NOT NULL, 
	format VARCHAR NOT NULL, 
	imported_at DATETIME NOT NULL, 
	imported_by VARCHAR, 
	PRIMARY KEY (id)
);

CREATE TABLE working_group (
	id INTEGER NOT NULL, 
	code VARCHAR NOT NULL, 
	name VARCHAR, 
	ref_prefix VARCHAR NOT NULL, 
	cadence_week INTEGER, 
	cadence_weekday INTEGER, 
	cadence_time VARCHAR, channel_id VARCHAR, digest_days_before INTEGER DEFAULT '2' NOT NULL, digest_time VARCHAR DEFAULT '09:00' NOT NULL, reminder_time VARCHAR DEFAULT '08:30', teams_channel TEXT, calendar_token VARCHAR, secretariat_channel VARCHAR, secretariat_teams_channel TEXT, digest_email VARCHAR, due_reminder_days INTEGER DEFAULT '3', 
	PRIMARY KEY (id)
);

CREATE TABLE meeting (
	id INTEGER NOT NULL, 
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
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(group_id) REFERENCES working_group (id) ON DELETE CASCADE, 
	FOREIGN KEY(source_document_id) REFERENCES source_document (id) ON DELETE SET NULL
);

CREATE TABLE member_alias (
	id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	alias VARCHAR NOT NULL, 
	"key" VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE CASCADE
);

CREATE TABLE member_group (
	member_id INTEGER NOT NULL, 
	group_id INTEGER NOT NULL, 
	PRIMARY KEY (member_id, group_id), 
	FOREIGN KEY(group_id) REFERENCES working_group (id) ON DELETE CASCADE, 
	FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE CASCADE
);

CREATE TABLE owner_name (
	id INTEGER NOT NULL, 
	"key" VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	member_id INTEGER, 
	match_score FLOAT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE SET NULL
);

CREATE TABLE action (
	id INTEGER NOT NULL, 
	group_id INTEGER NOT NULL, 
	ref VARCHAR NOT NULL, 
	area VARCHAR, 
	text VARCHAR NOT NULL, 
	owner VARCHAR, 
	due DATE, 
	status VARCHAR NOT NULL, 
	meeting_id INTEGER, 
	reported_on DATE, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, due_sort VARCHAR GENERATED ALWAYS AS (coalesce(due, '9999-12-31')) VIRTUAL, reported_done BOOLEAN DEFAULT 0 NOT NULL, news_on DATE, 
	PRIMARY KEY (id), 
	FOREIGN KEY(group_id) REFERENCES working_group (id) ON DELETE CASCADE, 
	FOREIGN KEY(meeting_id) REFERENCES meeting (id) ON DELETE SET NULL, 
	CONSTRAINT uq_action_group_ref UNIQUE (group_id, ref)
);

CREATE TABLE agenda_item (
	id INTEGER NOT NULL, 
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
);

CREATE TABLE attendance (
	id INTEGER NOT NULL, 
	meeting_id INTEGER NOT NULL, 
	member_id INTEGER NOT NULL, 
	status VARCHAR NOT NULL, 
	section VARCHAR, 
	role VARCHAR, 
	on_behalf_of VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(meeting_id) REFERENCES meeting (id) ON DELETE CASCADE, 
	FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE CASCADE, 
	CONSTRAINT uq_attendance UNIQUE (meeting_id, member_id)
);

CREATE TABLE decision (
	id INTEGER NOT NULL, 
	group_id INTEGER NOT NULL, 
	ref VARCHAR NOT NULL, 
	area VARCHAR, 
	text VARCHAR NOT NULL, 
	meeting_id INTEGER, 
	source_document_id INTEGER, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(group_id) REFERENCES working_group (id) ON DELETE CASCADE, 
	FOREIGN KEY(meeting_id) REFERENCES meeting (id) ON DELETE SET NULL, 
	FOREIGN KEY(source_document_id) REFERENCES source_document (id) ON DELETE SET NULL, 
	CONSTRAINT uq_decision_group_ref UNIQUE (group_id, ref)
);

CREATE TABLE action_event (
	id INTEGER NOT NULL, 
	action_id INTEGER NOT NULL, 
	kind VARCHAR NOT NULL, 
	text VARCHAR, 
	at DATETIME NOT NULL, 
	recorded_at DATETIME NOT NULL, 
	"by" VARCHAR, 
	member_id INTEGER, 
	source VARCHAR, 
	source_document_id INTEGER, 
	status_before VARCHAR, 
	status_after VARCHAR, 
	due_before DATE, 
	due_after DATE, slack_user_id VARCHAR, teams_user_id VARCHAR, link_kind VARCHAR, change_id VARCHAR, undoes INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(action_id) REFERENCES action (id) ON DELETE CASCADE, 
	FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE SET NULL, 
	FOREIGN KEY(source_document_id) REFERENCES source_document (id) ON DELETE SET NULL
);

CREATE TABLE action_owner (
	id INTEGER NOT NULL, 
	action_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	kind VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	"key" VARCHAR NOT NULL, 
	role_key VARCHAR, 
	org_key VARCHAR, 
	group_code VARCHAR, 
	owner_name_id INTEGER, status VARCHAR, due_sort VARCHAR, group_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(action_id) REFERENCES action (id) ON DELETE CASCADE, 
	FOREIGN KEY(owner_name_id) REFERENCES owner_name (id) ON DELETE SET NULL
);

CREATE VIRTUAL TABLE action_fts USING fts5(ref, area, text, owner, content='action', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');

CREATE VIRTUAL TABLE action_fts_vocab USING fts5vocab(action_fts, 'row');

CREATE VIRTUAL TABLE decision_fts USING fts5(ref, area, text, content='decision', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');

CREATE VIRTUAL TABLE decision_fts_vocab USING fts5vocab(decision_fts, 'row');

CREATE TABLE bot_message (
	channel VARCHAR NOT NULL, 
	ts VARCHAR NOT NULL, 
	ref VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (channel, ts)
);

CREATE TABLE pending_upload (
	id INTEGER NOT NULL, 
	file_id VARCHAR NOT NULL, 
	file_name VARCHAR NOT NULL, 
	data BLOB NOT NULL, 
	uploaded_by VARCHAR NOT NULL, 
	channel VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	decided_by VARCHAR, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE slack_user (
	user_id VARCHAR NOT NULL, 
	real_name VARCHAR, 
	display_name VARCHAR, 
	member_id INTEGER, 
	asked_member_id INTEGER, 
	asked_at DATETIME, 
	declined BOOLEAN NOT NULL, 
	updated_at DATETIME NOT NULL, email VARCHAR, 
	PRIMARY KEY (user_id), 
	FOREIGN KEY(asked_member_id) REFERENCES member (id) ON DELETE SET NULL, 
	FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE SET NULL
);

CREATE TABLE change_counter (
	name VARCHAR NOT NULL, 
	value INTEGER DEFAULT '0' NOT NULL, 
	PRIMARY KEY (name)
);

CREATE TABLE digest_part (
	id INTEGER NOT NULL, 
	run_id INTEGER NOT NULL, 
	"key" VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	claimed_by VARCHAR, 
	claimed_at DATETIME, 
	attempts INTEGER NOT NULL, 
	channel VARCHAR, 
	ts VARCHAR, 
	error VARCHAR, 
	updated_at DATETIME NOT NULL, message_id VARCHAR, sends INTEGER DEFAULT '0' NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(run_id) REFERENCES digest_run (id) ON DELETE CASCADE, 
	CONSTRAINT uq_digest_part UNIQUE (run_id, "key")
);

CREATE TABLE "digest_run" (
	id INTEGER NOT NULL, 
	group_id INTEGER NOT NULL, 
	meeting_date DATE NOT NULL, 
	extraordinary BOOLEAN NOT NULL, 
	slot VARCHAR NOT NULL, 
	due_at DATETIME NOT NULL, 
	status VARCHAR NOT NULL, 
	claimed_by VARCHAR, 
	claimed_at DATETIME, 
	attempts INTEGER NOT NULL, 
	sent_at DATETIME, 
	error VARCHAR, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_digest_run_slot UNIQUE (group_id, meeting_date, extraordinary, slot), 
	FOREIGN KEY(group_id) REFERENCES working_group (id) ON DELETE CASCADE
);

CREATE TABLE "handled_request" (
	"key" VARCHAR NOT NULL, 
	received_at DATETIME NOT NULL, 
	PRIMARY KEY ("key")
);

CREATE TABLE "mention" (
	id INTEGER NOT NULL, 
	group_id INTEGER NOT NULL, 
	ref VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	area VARCHAR, 
	text VARCHAR NOT NULL, 
	meeting_id INTEGER, 
	source_document_id INTEGER, 
	text_key VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(meeting_id) REFERENCES meeting (id) ON DELETE SET NULL, 
	FOREIGN KEY(source_document_id) REFERENCES source_document (id) ON DELETE SET NULL, 
	FOREIGN KEY(group_id) REFERENCES working_group (id) ON DELETE CASCADE
);

CREATE TABLE teams_user (
	user_id VARCHAR NOT NULL, 
	name VARCHAR, 
	member_id INTEGER, 
	asked_member_id INTEGER, 
	asked_at DATETIME, 
	declined BOOLEAN NOT NULL, 
	service_url VARCHAR, 
	tenant_id VARCHAR, 
	conversation_id VARCHAR, 
	updated_at DATETIME NOT NULL, email VARCHAR, looked_up_at DATETIME, 
	PRIMARY KEY (user_id), 
	FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE SET NULL, 
	FOREIGN KEY(asked_member_id) REFERENCES member (id) ON DELETE SET NULL
);

CREATE TABLE member_event (
	id INTEGER NOT NULL, 
	member_id INTEGER, 
	kind VARCHAR NOT NULL, 
	platform VARCHAR, 
	user_id VARCHAR, 
	link_kind VARCHAR, 
	text VARCHAR, 
	"by" VARCHAR, 
	by_member_id INTEGER, 
	by_user VARCHAR, 
	source VARCHAR, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(member_id) REFERENCES member (id) ON DELETE CASCADE, 
	FOREIGN KEY(by_member_id) REFERENCES member (id) ON DELETE SET NULL
);

CREATE INDEX ix_member_key ON member ("key");

CREATE UNIQUE INDEX ix_member_slack_user_id ON member (slack_user_id);

CREATE UNIQUE INDEX ix_source_document_sha256 ON source_document (sha256);

CREATE UNIQUE INDEX ix_working_group_code ON working_group (code);

CREATE INDEX ix_meeting_group_date ON meeting (group_id, date);

CREATE INDEX ix_meeting_group_id ON meeting (group_id);

CREATE INDEX ix_meeting_source_document_id ON meeting (source_document_id);

CREATE UNIQUE INDEX ix_member_alias_key ON member_alias ("key");

CREATE INDEX ix_member_alias_member_id ON member_alias (member_id);

CREATE UNIQUE INDEX ix_owner_name_key ON owner_name ("key");

CREATE INDEX ix_owner_name_member_id ON owner_name (member_id);

CREATE INDEX ix_action_meeting_id ON action (meeting_id);

CREATE INDEX ix_action_ref ON action (ref);

CREATE INDEX ix_agenda_item_meeting_id ON agenda_item (meeting_id);

CREATE INDEX ix_attendance_meeting_id ON attendance (meeting_id);

CREATE INDEX ix_attendance_member_id ON attendance (member_id);

CREATE INDEX ix_decision_group_id ON decision (group_id);

CREATE INDEX ix_decision_meeting_id ON decision (meeting_id);

CREATE INDEX ix_decision_ref ON decision (ref);

CREATE INDEX ix_decision_source_document_id ON decision (source_document_id);

CREATE INDEX ix_action_event_action_id ON action_event (action_id);

CREATE INDEX ix_action_event_member_id ON action_event (member_id);

CREATE INDEX ix_action_event_source_document_id ON action_event (source_document_id);

CREATE INDEX ix_action_owner_action_id ON action_owner (action_id);

CREATE INDEX ix_action_owner_org_key ON action_owner (org_key);

CREATE INDEX ix_action_owner_role_key ON action_owner (role_key);

CREATE INDEX ix_action_status_due_sort ON action (status, due_sort);

CREATE INDEX ix_pending_upload_file_id ON pending_upload (file_id);

CREATE INDEX ix_slack_user_asked_member_id ON slack_user (asked_member_id);

CREATE INDEX ix_slack_user_member_id ON slack_user (member_id);

CREATE INDEX ix_action_group_open ON action (group_id, status, due_sort, ref, due);

CREATE INDEX ix_action_owner_named_open ON action_owner (owner_name_id, status, due_sort) WHERE owner_name_id IS NOT NULL;

CREATE INDEX ix_action_owner_role_open ON action_owner (role_key, status, due_sort) WHERE kind = 'role';

CREATE INDEX ix_action_owner_org_open ON action_owner (org_key, status, due_sort) WHERE kind = 'organisation';

CREATE INDEX ix_action_owner_group_open ON action_owner (group_code, status, due_sort) WHERE kind = 'group';

CREATE INDEX ix_digest_run_group_id ON digest_run (group_id);

CREATE INDEX ix_mention_group_id ON mention (group_id);

CREATE INDEX ix_mention_source_document_id ON mention (source_document_id);

CREATE INDEX ix_mention_meeting_id ON mention (meeting_id);

CREATE UNIQUE INDEX uq_mention_ref_text ON mention (ref, text_key);

CREATE INDEX ix_teams_user_member_id ON teams_user (member_id);

CREATE UNIQUE INDEX ix_member_teams_user_id ON member (teams_user_id);

CREATE INDEX ix_action_digest ON action (group_id, status, reported_done, due_sort, ref, due, news_on);

CREATE INDEX ix_action_owner_rollup ON action_owner (group_id, status, kind, owner_name_id, role_key, org_key, "key", due_sort, action_id, name);

CREATE INDEX ix_action_owner_first ON action_owner (group_id, status) WHERE position = 0;

CREATE UNIQUE INDEX ix_member_email ON member (email);

CREATE INDEX ix_member_event_member_id ON member_event (member_id, id);

CREATE INDEX ix_member_event_by_member_id ON member_event (by_member_id);

CREATE INDEX ix_action_event_change_id ON action_event (change_id);

CREATE INDEX ix_action_event_undoes ON action_event (undoes);

CREATE TRIGGER action_fts_insert AFTER INSERT ON action BEGIN INSERT INTO action_fts(rowid, ref, area, text, owner) VALUES (new.id, new.ref, new.area, new.text, new.owner); END;

CREATE TRIGGER action_fts_delete AFTER DELETE ON action BEGIN INSERT INTO action_fts(action_fts, rowid, ref, area, text, owner) VALUES ('delete', old.id, old.ref, old.area, old.text, old.owner); END;

CREATE TRIGGER action_fts_update AFTER UPDATE OF ref, area, text, owner ON action BEGIN INSERT INTO action_fts(action_fts, rowid, ref, area, text, owner) VALUES ('delete', old.id, old.ref, old.area, old.text, old.owner); INSERT INTO action_fts(rowid, ref, area, text, owner) VALUES (new.id, new.ref, new.area, new.text, new.owner); END;

CREATE TRIGGER decision_fts_insert AFTER INSERT ON decision BEGIN INSERT INTO decision_fts(rowid, ref, area, text) VALUES (new.id, new.ref, new.area, new.text); END;

CREATE TRIGGER decision_fts_delete AFTER DELETE ON decision BEGIN INSERT INTO decision_fts(decision_fts, rowid, ref, area, text) VALUES ('delete', old.id, old.ref, old.area, old.text); END;

CREATE TRIGGER decision_fts_update AFTER UPDATE OF ref, area, text ON decision BEGIN INSERT INTO decision_fts(decision_fts, rowid, ref, area, text) VALUES ('delete', old.id, old.ref, old.area, old.text); INSERT INTO decision_fts(rowid, ref, area, text) VALUES (new.id, new.ref, new.area, new.text); END;

CREATE TRIGGER action_state_to_owners AFTER UPDATE OF status, due ON action BEGIN UPDATE action_owner SET status = new.status, due_sort = coalesce(new.due, '9999-12-31') WHERE action_id = new.id; END;

CREATE TRIGGER member_insert_counts AFTER INSERT ON member BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'members'; END;

CREATE TRIGGER member_update_counts AFTER UPDATE ON member BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'members'; END;

CREATE TRIGGER member_delete_counts AFTER DELETE ON member BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'members'; END;

CREATE TRIGGER member_alias_insert_counts AFTER INSERT ON member_alias BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'members'; END;

CREATE TRIGGER member_alias_update_counts AFTER UPDATE ON member_alias BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'members'; END;

CREATE TRIGGER member_alias_delete_counts AFTER DELETE ON member_alias BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'members'; END;

CREATE TRIGGER working_group_insert_counts AFTER INSERT ON working_group BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'groups'; END;

CREATE TRIGGER working_group_update_counts AFTER UPDATE ON working_group BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'groups'; END;

CREATE TRIGGER working_group_delete_counts AFTER DELETE ON working_group BEGIN UPDATE change_counter SET value = value + 1 WHERE name = 'groups'; END;

CREATE TRIGGER action_owner_copy_state AFTER INSERT ON action_owner WHEN new.status IS NULL OR new.due_sort IS NULL OR new.group_id IS NULL BEGIN UPDATE action_owner SET status = (SELECT status FROM action WHERE id = new.action_id), due_sort = (SELECT coalesce(due, '9999-12-31') FROM action WHERE id = new.action_id), group_id = (SELECT group_id FROM action WHERE id = new.action_id) WHERE id = new.id; END;

INSERT INTO "alembic_version" ("version_num") VALUES ('0018');

INSERT INTO "action_fts"("action_fts") VALUES ('rebuild');

INSERT INTO "decision_fts"("decision_fts") VALUES ('rebuild');

INSERT INTO "change_counter" ("name", "value") VALUES ('members', 1);

INSERT INTO "change_counter" ("name", "value") VALUES ('groups', 1);
