-- Issue 18: reads that stay flat at a million posts.

-- The home timeline takes, per source, one page of the reader's mentions
-- newest first (store.HomeTimeline); the primary key is (object_id, actor_id).
create index mentions_actor on mentions (actor_id, object_id desc);

-- The directory, the handle lookups and the peers leave out the people whose
-- account may not act yet (store.inactiveAccount): those are few, and this
-- index finds them without reading every account.
create index accounts_inactive on accounts (actor_id) where confirmed_at is null or approved_at is null;
