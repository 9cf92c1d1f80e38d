-- Handles are unique among this node's own actors only. Remote ones are
-- keyed by their URI: a Lemmy instance has a user and a community of the
-- same name, a server may give a deleted account's name to a new one, and
-- two workers storing the same new actor at once must meet on the URI
-- (the upsert's arbiter), not fail on the handle.
drop index actors_handle;
create unique index actors_local_handle on actors (lower(username)) where local;
create index actors_handle on actors (lower(username), host);
