-- A remote account that deleted itself stays as a row (its posts' tombstones
-- point to it) but is gone: not found by handle or in the directory, and its
-- key is forgotten so nothing it signs is accepted.
alter table actors add column deleted_at timestamptz;
