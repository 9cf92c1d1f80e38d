package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// TierRule maps an e-mail domain pattern to a tier.
type TierRule struct {
	ID      int64  `json:"id"`
	Pattern string `json:"pattern"`
	Tier    string `json:"tier"`
}

// SetTierRule creates or changes the rule for a pattern.
func (s *Store) SetTierRule(ctx context.Context, pattern, tier string) (*TierRule, error) {
	r := TierRule{Pattern: pattern, Tier: tier}
	err := s.db.QueryRow(ctx, `insert into tier_rules (pattern, tier) values ($1, $2)
		on conflict (pattern) do update set tier = excluded.tier returning id`, pattern, tier).Scan(&r.ID)
	return &r, err
}

// DeleteTierRule removes the rule for a pattern.
func (s *Store) DeleteTierRule(ctx context.Context, pattern string) error {
	tag, err := s.db.Exec(ctx, `delete from tier_rules where pattern = $1`, pattern)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return err
}

// TierRules lists the rules.
func (s *Store) TierRules(ctx context.Context) ([]TierRule, error) {
	rows, err := s.db.Query(ctx, `select id, pattern, tier from tier_rules order by pattern`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[TierRule])
}
