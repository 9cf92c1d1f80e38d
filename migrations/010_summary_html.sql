-- A bio or group description is kept twice: as plain text (summary: what a
-- local person typed, or the text of a peer's HTML) and as HTML safe to show
-- as it is (summary_html: rendered from the text for local actors, sanitised
-- on the way in for peers'). Rows written before this have NULL here and are
-- sanitised when read, until they are written again (store.legacySummary).
alter table actors add column summary_html text;

-- Titles, content warnings and document descriptions from peers were kept as
-- sanitised HTML but shown as text, so "l'équipe" showed as "l&#39;équipe".
-- They are plain text now. Sanitised HTML is well formed, so removing its
-- tags and decoding the entities bluemonday writes gives the text back.
create function pg_temp.archipel_html_text(t text) returns text language sql immutable as $$
  select replace(replace(replace(replace(replace(regexp_replace(t, '<[^>]*>', '', 'g'),
    '&#39;', ''''), '&#34;', '"'), '&lt;', '<'), '&gt;', '>'), '&amp;', '&')
$$;
update objects set name = pg_temp.archipel_html_text(name) where not local and name ~ '[<&]';
update objects set summary = pg_temp.archipel_html_text(summary) where not local and summary ~ '[<&]';
