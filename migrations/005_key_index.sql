-- The partial index on actors.public_key_id (where public_key_id <> '')
-- cannot serve the prepared lookup "where public_key_id = $1" once
-- PostgreSQL switches it to a generic plan, which then scans every known
-- actor on each signed request. A plain index serves every plan.
drop index actors_public_key_id;
create index actors_public_key_id on actors (public_key_id);
