package accounts

import (
	"context"
	"strings"

	"github.com/archipel-social/archipel/store"
)

// TierForEmail applies the node's tier rules to an address: the most specific
// matching rule wins ("gouv.fr" exact, "*.gouv.fr" the domain and its
// subdomains); an address that matches none is a partner.
func (s *Service) TierForEmail(ctx context.Context, email string) (string, error) {
	rules, err := s.Store.TierRules(ctx)
	if err != nil {
		return "", err
	}
	return tierFor(rules, email), nil
}

func tierFor(rules []store.TierRule, email string) string {
	domain := strings.ToLower(email[strings.LastIndex(email, "@")+1:])
	best, bestLen := store.TierPartner, -1
	for _, r := range rules {
		p := strings.ToLower(r.Pattern)
		specificity := -1
		if base, ok := strings.CutPrefix(p, "*."); ok {
			if domain == base || strings.HasSuffix(domain, "."+base) {
				specificity = 2 * len(base)
			}
		} else if domain == p {
			specificity = 2*len(p) + 1 // an exact rule beats a wildcard on the same domain
		}
		if specificity > bestLen {
			best, bestLen = r.Tier, specificity
		}
	}
	return best
}

// ValidatePattern checks a tier-rule pattern: a domain, optionally "*." first.
func ValidatePattern(p string) error {
	d := strings.TrimPrefix(strings.ToLower(p), "*.")
	if d == "" || len(d) > 253 || !strings.Contains(d, ".") || strings.ContainsAny(d, "*@/ ") {
		return fieldErr("pattern", "a domain such as gouv.fr or *.gouv.fr")
	}
	return nil
}

// SetTierRule creates or changes a rule; only the node admin may.
func (s *Service) SetTierRule(ctx context.Context, by *store.Account, pattern, tier string) (*store.TierRule, error) {
	if by != nil && by.Role != store.RoleAdmin {
		return nil, ErrForbidden
	}
	if err := ValidatePattern(pattern); err != nil {
		return nil, err
	}
	if !ValidTier(tier) {
		return nil, fieldErr("tier", "one of state, public, partner")
	}
	return s.Store.SetTierRule(ctx, strings.ToLower(pattern), tier)
}
