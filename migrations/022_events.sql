-- Events: the objects row (type Event) carries the id, title (name), the
-- sanitised description (content), group, organiser (attributed_to) and
-- visibility; these rows add what makes it an event.
create table events (
  object_id         bigint primary key references objects(id) on delete cascade,
  start_at          timestamptz not null,
  end_at            timestamptz not null check (end_at > start_at),
  -- end of the last sitting of a recurring event (end_at otherwise), so that
  -- an agenda window is one indexed condition
  last_end_at       timestamptz not null,
  timezone          text not null,
  all_day           boolean not null default false,
  -- the description as typed (plain text or Markdown), for edits and ICS
  description       text not null default '',
  location          text not null default '',
  latitude          double precision check (latitude between -90 and 90),
  longitude         double precision check (longitude between -180 and 180),
  online_url        text not null default '',
  capacity          int not null default 0 check (capacity >= 0),
  join_mode         text not null check (join_mode in ('open', 'approval', 'invitation')),
  status            text not null check (status in ('confirmed', 'tentative', 'cancelled')),
  rrule             text not null default '',
  -- accepted participants: counted on the group's node in the transaction
  -- that changes them, taken from the group's Event document elsewhere
  participant_count int not null default 0 check (participant_count >= 0),
  -- when that count was made (the group's clock): deliveries arrive out of
  -- order, and an older count never replaces a newer one
  counted_at        timestamptz
);
create index events_window on events (start_at, last_end_at);

-- Who takes part: accepted, on the waiting list (the event was full),
-- pending (an animator approves) or invited.
create table event_participants (
  event_id     bigint not null references objects(id) on delete cascade,
  actor_id     bigint not null references actors(id) on delete cascade,
  state        text not null check (state in ('accepted', 'waiting', 'pending', 'invited')),
  -- the Join that asked (ours or a peer's), which Accept and Reject name
  activity_uri text not null default '',
  created_at   timestamptz not null default now(),
  primary key (event_id, actor_id)
);
create index event_participants_actor on event_participants (actor_id);
create index event_participants_activity on event_participants (activity_uri) where activity_uri <> '';

-- Reminders sent: one row per participant, sitting and kind, written in the
-- transaction that queues the notification and the mail, so a reminder is
-- never sent twice.
create table event_reminders (
  event_id   bigint not null references objects(id) on delete cascade,
  actor_id   bigint not null references actors(id) on delete cascade,
  sitting    timestamptz not null,
  kind       text not null check (kind in ('24h', '1h')),
  sent_at    timestamptz not null default now(),
  primary key (event_id, actor_id, sitting, kind)
);

-- The secret of a person's calendar feeds (their own agenda, their private
-- groups'), kept as a SHA-256 digest only.
create table calendar_secrets (
  actor_id    bigint primary key references actors(id) on delete cascade,
  token_hash  text not null unique,
  created_at  timestamptz not null default now()
);
