package outbox

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/archipel-social/archipel/mail"
	"github.com/archipel-social/archipel/store"
)

// Bounds of the animators' texts.
const (
	MaxWelcome      = 5000
	MaxAnnouncement = 5000
)

// checkAnimatorText refuses a text no page or mail should carry.
func checkAnimatorText(field, text string, max int, required bool) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case !utf8.ValidString(text) || strings.ContainsRune(text, 0):
		return "", fieldErr(field, "must be valid UTF-8 text without NUL characters")
	case required && text == "":
		return "", fieldErr(field, "required")
	case utf8.RuneCountInString(text) > max:
		return "", fieldErr(field, "at most %d characters", max)
	}
	return text, nil
}

// SetWelcome sets (or, empty, removes) the message a group's new members see
// and receive when they join.
func (o *Outbox) SetWelcome(ctx context.Context, acct *store.Account, groupID int64, body string) error {
	body, err := checkAnimatorText("welcome", body, MaxWelcome, false)
	if err != nil {
		return err
	}
	g, by, err := o.moderator(ctx, acct, groupID)
	if err != nil {
		return err
	}
	return o.Store.SetGroupWelcome(ctx, g.ID, by.ID, body)
}

// notifyWelcome tells a new member of a group's welcome message, when it
// has one; call it in the transaction that accepts them.
func notifyWelcome(ctx context.Context, tx *store.Store, groupID, memberID int64) error {
	if _, err := tx.GroupWelcome(ctx, groupID); errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	return tx.Notify(ctx, store.Notification{Recipient: memberID, Type: store.NotifyGroupWelcome, From: groupID, GroupID: groupID})
}

// announcementData is what the announcement mail template reads.
type announcementData struct {
	Username, Who, Group, Text, Link string
}

// Announce sends a message of a group's animators to every member: a
// notification for each, and a mail to each local member with an address,
// queued in the same transaction so that both are sent or neither is. It
// returns how many mails were queued.
func (o *Outbox) Announce(ctx context.Context, acct *store.Account, groupID int64, text string) (int, error) {
	text, err := checkAnimatorText("text", text, MaxAnnouncement, true)
	if err != nil {
		return 0, err
	}
	g, by, err := o.moderator(ctx, acct, groupID)
	if err != nil {
		return 0, err
	}
	var mailed int
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		recipients, err := tx.LocalMembersToMail(ctx, g.ID)
		if err != nil {
			return err
		}
		id, err := tx.RecordAnnouncement(ctx, g.ID, by.ID, text, len(recipients))
		if err != nil {
			return err
		}
		if err := tx.NotifyGroupMembers(ctx, store.Notification{Type: store.NotifyGroupAnnouncement, From: by.ID, GroupID: g.ID}); err != nil {
			return err
		}
		if o.Mail == nil {
			return nil
		}
		link := o.Links.Base + "/g/" + g.Username
		for _, r := range recipients {
			if r.ActorID == by.ID {
				continue
			}
			accountID := r.AccountID
			d := announcementData{Username: r.Name, Who: displayName(by), Group: displayName(g.Actor), Text: text, Link: link}
			if _, err := o.Mail.Queue(ctx, tx, mail.Message{To: r.Email, AccountID: &accountID, Lang: r.Locale,
				Kind: "announcement", Data: d, DedupKey: "announcement:" + strconv.FormatInt(id, 10) + ":" + strconv.FormatInt(r.AccountID, 10)}); err != nil {
				return err
			}
			mailed++
		}
		return nil
	})
	return mailed, err
}

func displayName(a *store.Actor) string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Username
}

// Dashboard is what a group's animators need to look after it.
type Dashboard struct {
	Pending    []*store.Membership
	Invited    []*store.Membership
	Quiet      []*store.Membership
	Unanswered []*store.Object
	// Upcoming are the group's events of the next UpcomingDays; Overdue
	// its open tasks past their due date.
	Upcoming []*store.Event
	Overdue  []*store.Task
	Welcome  string
}

// UpcomingDays is how far ahead the dashboard lists events.
const UpcomingDays = 30

// dashboardLimit bounds each list of the dashboard.
const dashboardLimit = 100

// GroupDashboard gathers a group's dashboard for one of its animators.
func (o *Outbox) GroupDashboard(ctx context.Context, acct *store.Account, groupID int64) (*Dashboard, error) {
	g, _, err := o.moderator(ctx, acct, groupID)
	if err != nil {
		return nil, err
	}
	d := &Dashboard{}
	if d.Pending, err = o.Store.Members(ctx, g.ID, store.StatePending, 0, dashboardLimit); err != nil {
		return nil, err
	}
	if d.Invited, err = o.Store.Members(ctx, g.ID, store.StateInvited, 0, dashboardLimit); err != nil {
		return nil, err
	}
	if d.Quiet, err = o.Store.QuietMembers(ctx, g.ID, dashboardLimit); err != nil {
		return nil, err
	}
	if d.Unanswered, err = o.Store.UnansweredPosts(ctx, g.ID, dashboardLimit); err != nil {
		return nil, err
	}
	now := time.Now()
	if d.Upcoming, err = o.Store.Events(ctx, store.EventQuery{GroupID: g.ID, From: now, To: now.AddDate(0, 0, UpcomingDays),
		Limit: dashboardLimit}); err != nil {
		return nil, err
	}
	tasks, err := o.Store.Tasks(ctx, store.TaskQuery{GroupID: g.ID})
	if err != nil {
		return nil, err
	}
	today := now.Truncate(24 * time.Hour)
	for _, t := range tasks {
		if t.Status != store.TaskDone && t.DueDate != nil && t.DueDate.Before(today) && len(d.Overdue) < dashboardLimit {
			d.Overdue = append(d.Overdue, t)
		}
	}
	if w, err := o.Store.GroupWelcome(ctx, g.ID); err == nil {
		d.Welcome = w.Body
	} else if !isNotFound(err) {
		return nil, err
	}
	return d, nil
}

// Animators' network names: the group every node has for its animators.
const (
	NetworkUsername = "reseau_animateurs"
	NetworkName     = "Réseau des animateurs"
)

// EnsureAnimatorsNetwork creates the node's animators' network group when
// it does not exist yet (a private group joined by invitation, run by the
// node's admins, who may rename it), then brings its members up to date.
func (o *Outbox) EnsureAnimatorsNetwork(ctx context.Context) error {
	if _, err := o.Store.AnimatorsNetwork(ctx); isNotFound(err) {
		if err := o.createAnimatorsNetwork(ctx); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	return o.Store.SyncAnimatorsNetwork(ctx, 0)
}

func (o *Outbox) createAnimatorsNetwork(ctx context.Context) error {
	for n := 1; n < 20; n++ {
		username := NetworkUsername
		if n > 1 {
			username += "_" + strconv.Itoa(n)
		}
		actor, err := o.Links.NewLocalActor(store.TypeGroup, username, NetworkName)
		if err != nil {
			return err
		}
		actor.Summary = "Les animateurs des groupes de ce nœud partagent ici leurs pratiques."
		actor.SummaryHTML = "<p>" + actor.Summary + "</p>"
		actor.ManuallyApprovesFollowers = true
		g := &store.Group{Actor: actor, Visibility: store.VisibilityPrivate, JoinPolicy: store.JoinInvite,
			MembersURI: o.Links.Members(actor.URI)}
		err = o.Store.Tx(ctx, func(tx *store.Store) error {
			if err := tx.CreateActor(ctx, actor); err != nil {
				return err
			}
			if err := tx.CreateGroup(ctx, g); err != nil {
				return err
			}
			return tx.SetAnimatorsNetwork(ctx, actor.ID)
		})
		var conflict *store.ConflictError
		if errors.As(err, &conflict) {
			if _, err := o.Store.AnimatorsNetwork(ctx); err == nil {
				return nil // another process created it first
			}
			continue // the handle is taken by another group
		}
		return err
	}
	return fieldErr("username", "no free handle for the animators' network")
}
