package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// HostSignatures is what a peer host accepts of our HTTP signatures.
type HostSignatures struct {
	Scheme   string     // "rfc9421", "cavage", or "" when not known yet
	SchemeAt *time.Time // when Scheme was learnt
	Ed25519  bool       // the host publishes Ed25519 keys
}

// HostSignatures reads what is known of a host's signatures (the zero value
// for a host never seen).
func (s *Store) HostSignatures(ctx context.Context, host string) (HostSignatures, error) {
	var h HostSignatures
	err := s.db.QueryRow(ctx, `select signature_scheme, signature_scheme_at, ed25519 from domains where host = $1`,
		NormalizeHost(host)).Scan(&h.Scheme, &h.SchemeAt, &h.Ed25519)
	if errors.Is(err, pgx.ErrNoRows) {
		return HostSignatures{}, nil
	}
	return h, err
}

// SetHostSignatureScheme records the scheme a host accepted.
func (s *Store) SetHostSignatureScheme(ctx context.Context, host, scheme string) error {
	_, err := s.db.Exec(ctx, `insert into domains (host, signature_scheme, signature_scheme_at) values ($1, $2, now())
		on conflict (host) do update set signature_scheme = $2, signature_scheme_at = now(), updated_at = now()`,
		NormalizeHost(host), scheme)
	return err
}

// SetHostEd25519 records that a host publishes Ed25519 keys.
func (s *Store) SetHostEd25519(ctx context.Context, host string) error {
	_, err := s.db.Exec(ctx, `insert into domains (host, ed25519) values ($1, true)
		on conflict (host) do update set ed25519 = true, updated_at = now() where not domains.ed25519`,
		NormalizeHost(host))
	return err
}
