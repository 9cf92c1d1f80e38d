-- Mail for those who rarely log in (issue 19): per-agent choices of
-- immediate mails for some notification types, and a digest of their
-- groups. An account without a row has the defaults: a weekly digest, and
-- of immediate mails only event reminders.
create table mail_preferences (
  account_id      bigint primary key references accounts(id) on delete cascade,
  mentions        boolean not null default false,
  invitations     boolean not null default false,
  join_requests   boolean not null default false,
  event_reminders boolean not null default true,
  digest          text not null default 'weekly' check (digest in ('none', 'daily', 'weekly')),
  updated_at      timestamptz not null default now()
);

-- What the last digest of an account covered: the next one starts there.
create table digests (
  account_id    bigint primary key references accounts(id) on delete cascade,
  covered_until timestamptz not null
);

-- A mail that one event causes carries that event's key: the unique index
-- makes a second queueing of the same event a no-op, whatever retried it.
alter table mails add column dedup_key text;
create unique index mails_dedup on mails (dedup_key) where dedup_key is not null;
-- RFC 8058 one-click unsubscribe link of the mail ('' for account mails).
alter table mails add column unsubscribe_url text not null default '';

-- Notifications the mailer has looked at (mailed or not, by the
-- recipient's choice). The ones before this migration count as seen, so
-- upgrading a node does not mail its whole history.
alter table notifications add column mailed_at timestamptz;
update notifications set mailed_at = created_at;
create index notifications_to_mail on notifications (id) where mailed_at is null;
