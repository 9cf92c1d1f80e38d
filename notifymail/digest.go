package notifymail

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/archipel-social/archipel/mail"
	"github.com/archipel-social/archipel/store"
)

// latestPerGroup is how many posts and documents of each group a digest
// quotes; it counts the rest.
const latestPerGroup = 3

// digestData is what the digest template reads.
type digestData struct {
	Username, Frequency, Home, Settings string
	Posts, Invitations                  int
	Groups                              []digestGroup
}

type digestGroup struct {
	Name, Link string
	Posts      int
	Latest     []digestPost
	Documents  []digestDocument
}

type digestPost struct{ Author, Excerpt, Link string }

type digestDocument struct{ Title, Link string }

// SendDigests queues the digests that are due. A digest with nothing new
// is not sent, but its period counts as covered all the same.
func (m *Mailer) SendDigests(ctx context.Context) error {
	now := m.now()
	for {
		due, err := m.Store.DueDigests(ctx, now, batch)
		if err != nil {
			return err
		}
		for _, d := range due {
			if err := m.sendDigest(ctx, d, now); err != nil {
				return fmt.Errorf("digest of account %d: %w", d.AccountID, err)
			}
		}
		if len(due) < batch {
			return nil
		}
	}
}

func (m *Mailer) sendDigest(ctx context.Context, d store.DigestDue, now time.Time) error {
	period := 7 * 24 * time.Hour
	if d.Digest == store.DigestDaily {
		period = 24 * time.Hour
	}
	// What happened before the last period is old news: a digest covers
	// one period, even after a long silence.
	since := d.CoveredUntil
	if since.Before(now.Add(-period)) {
		since = now.Add(-period)
	}
	return m.Store.Tx(ctx, func(tx *store.Store) error {
		claimed, err := tx.ClaimDigest(ctx, d.AccountID, d.CoveredUntil, now)
		if err != nil || !claimed {
			return err // another worker took it
		}
		news, err := tx.GroupNewsOf(ctx, d.ActorID, since, now, latestPerGroup)
		if err != nil {
			return err
		}
		invitations, err := tx.PendingInvitations(ctx, d.ActorID)
		if err != nil {
			return err
		}
		data := m.digestData(d, news, invitations)
		if data.Posts == 0 && invitations == 0 && !hasDocuments(data) {
			return nil
		}
		unsubscribe, err := m.UnsubscribeURL(ctx, d.AccountID, ScopeDigest)
		if err != nil {
			return err
		}
		accountID := d.AccountID
		_, err = m.Mail.Queue(ctx, tx, mail.Message{To: d.Email, AccountID: &accountID, Lang: d.Locale, Kind: "digest", Data: data,
			DedupKey:    "digest:" + strconv.FormatInt(d.AccountID, 10) + ":" + strconv.FormatInt(d.CoveredUntil.UnixMicro(), 10),
			Unsubscribe: unsubscribe})
		return err
	})
}

func (m *Mailer) digestData(d store.DigestDue, news *store.GroupNews, invitations int) digestData {
	data := digestData{Username: d.Username, Frequency: d.Digest, Home: m.BaseURL + "/", Settings: m.settingsURL(),
		Invitations: invitations}
	for _, g := range news.Groups {
		dg := digestGroup{Name: displayName(g), Link: m.BaseURL + groupPath(g), Posts: news.Posts[g.ID]}
		for _, p := range news.Latest[g.ID] {
			dg.Latest = append(dg.Latest, digestPost{Author: p.Author, Excerpt: excerpt(&store.Object{Content: p.Content}),
				Link: m.BaseURL + "/posts/" + strconv.FormatInt(p.ID, 10)})
		}
		for _, doc := range news.Documents[g.ID] {
			dg.Documents = append(dg.Documents, digestDocument{Title: doc.Title,
				Link: m.BaseURL + groupPath(g) + "/documents/" + strconv.FormatInt(doc.ID, 10)})
		}
		if dg.Posts == 0 && len(dg.Documents) == 0 {
			continue
		}
		data.Posts += dg.Posts
		data.Groups = append(data.Groups, dg)
	}
	return data
}

func hasDocuments(d digestData) bool {
	for _, g := range d.Groups {
		if len(g.Documents) > 0 {
			return true
		}
	}
	return false
}
