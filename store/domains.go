package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Domain policies.
const (
	PolicyNone  = ""
	PolicyAllow = "allow"
	PolicyBlock = "block"
)

// Domain is what the node knows of a peer host.
type Domain struct {
	Host             string     `json:"host"`
	Policy           string     `json:"policy"`
	Failures         int        `json:"failures"`
	UnreachableSince *time.Time `json:"unreachable_since"`
	LastSuccessAt    *time.Time `json:"last_success_at"`
}

// SetDomainPolicy allows or blocks a host (PolicyNone clears it).
func (s *Store) SetDomainPolicy(ctx context.Context, host, policy string) error {
	host = NormalizeHost(host)
	_, err := s.db.Exec(ctx, `insert into domains (host, policy) values ($1, $2)
		on conflict (host) do update set policy = excluded.policy, updated_at = now()`, host, policy)
	return err
}

// DomainPolicy returns a host's policy (PolicyNone when unknown).
func (s *Store) DomainPolicy(ctx context.Context, host string) (string, error) {
	host = NormalizeHost(host)
	var p string
	err := s.db.QueryRow(ctx, `select policy from domains where host = $1`, host).Scan(&p)
	if err = notFoundOr(err); err == ErrNotFound {
		return PolicyNone, nil
	}
	return p, err
}

// Domains lists known hosts with a policy or failures.
func (s *Store) Domains(ctx context.Context) ([]Domain, error) {
	rows, err := s.db.Query(ctx, `select host, policy, failures, unreachable_since, last_success_at from domains
		where policy <> '' or failures > 0 order by host`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Domain])
}

// HostState is what the federation policy and the delivery worker need to
// know of a host, read in one round trip: the inbox and the worker ask for
// every activity.
type HostState struct {
	Policy        string     // the host's own policy
	ParentBlocked bool       // a parent domain is blocked
	Mode          string     // the stored federation mode, "" when not set
	Failures      int        // consecutive delivery failures
	Unreachable   bool       // deliveries are parked
	LastSuccessAt *time.Time // last delivery that went through
}

// HostState reads a host's policy and health with the stored federation
// mode.
func (s *Store) HostState(ctx context.Context, host string) (HostState, error) {
	host = NormalizeHost(host)
	parents := ParentDomains(host)
	if parents == nil {
		parents = []string{}
	}
	var st HostState
	err := s.db.QueryRow(ctx, `select coalesce(d.policy, ''), coalesce(d.failures, 0), d.unreachable_since is not null,
		  d.last_success_at,
		  exists (select 1 from domains p where p.host = any($2) and p.policy = 'block'),
		  coalesce((select value from settings where key = $3), '')
		from (values (1)) v left join domains d on d.host = $1`, host, parents, SettingFederationMode).
		Scan(&st.Policy, &st.Failures, &st.Unreachable, &st.LastSuccessAt, &st.ParentBlocked, &st.Mode)
	return st, err
}
