-- What each peer host accepts of our signatures: signature_scheme is the
-- scheme that last worked ('' not known yet: RFC 9421 is tried first, then
-- draft-cavage on 401/403), signature_scheme_at when it was learnt (a
-- cavage host is tried with RFC 9421 again after a while); ed25519 is set
-- when the host publishes Ed25519 keys (FEP-521a), so that we sign for it
-- with ours.
alter table domains
  add column signature_scheme    text not null default '' check (signature_scheme in ('', 'rfc9421', 'cavage')),
  add column signature_scheme_at timestamptz,
  add column ed25519             boolean not null default false;
