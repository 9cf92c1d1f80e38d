package accounts

import (
	"context"

	"github.com/archipel-social/archipel/store"
)

// TierEffects is what a change of tier does beyond the account: the outbox
// takes the person out of the State-only groups a lower tier may not be in,
// and tells peers with an Update of the actor. It runs in the transaction
// that changes the tier, so both land together.
type TierEffects interface {
	TierChanged(ctx context.Context, tx *store.Store, actorID int64, from, to string) error
}

// TierRank orders tiers: state above public above partner.
func TierRank(tier string) int {
	switch tier {
	case store.TierState:
		return 3
	case store.TierPublic:
		return 2
	case store.TierPartner:
		return 1
	}
	return 0
}

// applyTier sets acct's tier in tx and applies its effects; nothing happens
// when the tier stays the same.
func (s *Service) applyTier(ctx context.Context, tx *store.Store, acct *store.Account, tier string) error {
	if acct.Tier == tier {
		return nil
	}
	from := acct.Tier
	if err := tx.SetTier(ctx, acct.ID, tier); err != nil {
		return err
	}
	acct.Tier = tier
	if s.TierEffects == nil {
		return nil
	}
	return s.TierEffects.TierChanged(ctx, tx, acct.ActorID, from, tier)
}
