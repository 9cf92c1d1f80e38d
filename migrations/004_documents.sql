-- Documents shared in groups: the object row carries the id, name,
-- description (summary), group and author; these rows add the folder and
-- the versions, whose bytes live in the content-addressed storage.
create table documents (
  object_id        bigint primary key references objects(id) on delete cascade,
  folder           text not null default '',
  current_version  int not null default 1
);
create index documents_folder on documents (folder);

create table document_versions (
  object_id    bigint not null references objects(id) on delete cascade,
  version      int not null,
  sha256       text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  size         bigint not null check (size >= 0),
  media_type   text not null,
  file_name    text not null,
  uploaded_by  bigint references actors(id) on delete set null,
  -- where the bytes come from for a document of a remote group, and whether
  -- they are in our storage yet
  source_url   text not null default '',
  stored       boolean not null default false,
  created_at   timestamptz not null default now(),
  primary key (object_id, version)
);
create index document_versions_sha on document_versions (sha256);
