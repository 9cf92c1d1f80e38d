package outbox

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/markup"
	"github.com/archipel-social/archipel/store"
)

// Limits of a group's texts.
const (
	MaxGroupName        = 100
	MaxGroupDescription = 5000
)

// NewGroup is what a group is created with.
type NewGroup struct {
	Name        string
	Username    string // the handle; derived from Name when empty
	Description string
	Visibility  string
	JoinPolicy  string
	StateOnly   bool
}

// CreateGroup creates a local group owned by the account, when its tier
// allows it.
func (o *Outbox) CreateGroup(ctx context.Context, by *store.Account, ng NewGroup) (*store.Group, error) {
	ng.Name = strings.TrimSpace(ng.Name)
	switch {
	case ng.Name == "":
		return nil, fieldErr("name", "required")
	case utf8.RuneCountInString(ng.Name) > MaxGroupName:
		return nil, fieldErr("name", "at most %d characters", MaxGroupName)
	case utf8.RuneCountInString(ng.Description) > MaxGroupDescription:
		return nil, fieldErr("description", "at most %d characters", MaxGroupDescription)
	}
	if ng.Visibility == "" {
		ng.Visibility = store.VisibilityPublic
	}
	if ng.JoinPolicy == "" {
		ng.JoinPolicy = store.JoinOpen
	}
	if ng.Visibility != store.VisibilityPublic && ng.Visibility != store.VisibilityPrivate && ng.Visibility != store.VisibilitySecret {
		return nil, fieldErr("visibility", "one of public, private, secret")
	}
	if ng.JoinPolicy != store.JoinOpen && ng.JoinPolicy != store.JoinApproval && ng.JoinPolicy != store.JoinInvite {
		return nil, fieldErr("join_policy", "one of open, approval, invite")
	}
	if ng.Visibility == store.VisibilitySecret && ng.JoinPolicy != store.JoinInvite {
		// Nobody can ask to join a group they cannot see.
		ng.JoinPolicy = store.JoinInvite
	}
	ok, err := o.Accounts.CanCreateGroup(ctx, by)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrForbidden
	}
	owner, err := o.Store.ActorByID(ctx, by.ActorID)
	if err != nil {
		return nil, err
	}
	explicit := ng.Username != ""
	base := strings.ToLower(ng.Username)
	if !explicit {
		base = Slug(ng.Name)
	}
	if err := accounts.ValidateUsername(base); err != nil {
		return nil, err
	}
	// Try the handle, then handle_2, handle_3… unless it was chosen explicitly.
	for n := 1; ; n++ {
		username := base
		if n > 1 {
			suffix := "_" + strconv.Itoa(n)
			username = base[:min(len(base), accounts.MaxUsername-len(suffix))] + suffix
		}
		g, err := o.createGroup(ctx, by, owner, username, ng)
		var conflict *store.ConflictError
		if errors.As(err, &conflict) && conflict.Field == "username" && !explicit && n < 50 {
			continue
		}
		return g, err
	}
}

func (o *Outbox) createGroup(ctx context.Context, by *store.Account, owner *store.Actor, username string, ng NewGroup) (*store.Group, error) {
	actor, err := o.Links.NewLocalActor(store.TypeGroup, username, ng.Name)
	if err != nil {
		return nil, err
	}
	actor.Summary, actor.SummaryHTML = ng.Description, markup.LinkedTextToHTML(ng.Description)
	actor.ManuallyApprovesFollowers = ng.JoinPolicy != store.JoinOpen
	g := &store.Group{Actor: actor, Visibility: ng.Visibility, JoinPolicy: ng.JoinPolicy, StateOnly: ng.StateOnly,
		MembersURI: o.Links.Members(actor.URI), CreatedBy: &by.ID}
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.CreateActor(ctx, actor); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, g); err != nil {
			return err
		}
		if err := tx.SetMembership(ctx, &store.Membership{GroupID: actor.ID, MemberID: owner.ID,
			Role: store.MemberOwner, State: store.StateAccepted}); err != nil {
			return err
		}
		return tx.SyncAnimatorsNetwork(ctx, owner.ID) // the owner is now an animator of the node
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// Slug makes a handle from a name: accents dropped, lower case, runs of other
// characters turned into one underscore.
func Slug(name string) string {
	folded, _, _ := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), name)
	var b strings.Builder
	for _, r := range strings.ToLower(folded) {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	s := strings.Trim(b.String(), "_")
	if len(s) > accounts.MaxUsername {
		s = strings.TrimRight(s[:accounts.MaxUsername], "_")
	}
	if s == "" {
		s = "group"
	}
	return s
}
