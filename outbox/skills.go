package outbox

import (
	"context"
	"strings"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/store"
)

// MaxSkillSuggestions is how many suggestions an agent is shown at once.
const MaxSkillSuggestions = 10

// SkillSuggestions are the skills of the node's vocabulary the agent's own
// posts, documents and groups point to, best first.
func (o *Outbox) SkillSuggestions(ctx context.Context, acct *store.Account) ([]store.SkillSuggestion, error) {
	return o.Store.SkillSuggestions(ctx, acct.ActorID, MaxSkillSuggestions)
}

// suggested finds skill among the agent's current suggestions (accents and
// case aside): only a suggestion can be accepted or dismissed here.
func (o *Outbox) suggested(ctx context.Context, acct *store.Account, skill string) (string, error) {
	list, err := o.Store.SkillSuggestions(ctx, acct.ActorID, 1000)
	if err != nil {
		return "", err
	}
	for _, s := range list {
		if strings.EqualFold(s.Label, strings.TrimSpace(skill)) {
			return s.Label, nil
		}
	}
	return "", ErrNotFound
}

// AcceptSkill adds a suggested skill to the agent's profile, which is then
// sent to their followers' nodes like any profile change.
func (o *Outbox) AcceptSkill(ctx context.Context, acct *store.Account, skill string) error {
	label, err := o.suggested(ctx, acct, skill)
	if err != nil {
		return err
	}
	me, err := o.Store.ActorByID(ctx, acct.ActorID)
	if err != nil {
		return err
	}
	a, err := o.Accounts.UpdateProfile(ctx, me.ID, accounts.Profile{Skills: append(append([]string{}, me.Skills...), label), SkillsSet: true})
	if err != nil {
		return err
	}
	return o.UpdateProfile(ctx, a)
}

// DismissSkill refuses a suggestion for good.
func (o *Outbox) DismissSkill(ctx context.Context, acct *store.Account, skill string) error {
	label, err := o.suggested(ctx, acct, skill)
	if err != nil {
		return err
	}
	return o.Store.DismissSkill(ctx, acct.ActorID, label)
}
