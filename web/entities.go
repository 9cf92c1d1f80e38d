package web

import (
	"context"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"

	"github.com/archipel-social/archipel/store"
)

// accountJSON is Mastodon's Account entity plus the profile fields of an
// administration's directory.
type accountJSON struct {
	ID             string      `json:"id"`
	Username       string      `json:"username"`
	Acct           string      `json:"acct"`
	DisplayName    string      `json:"display_name"`
	Locked         bool        `json:"locked"`
	Bot            bool        `json:"bot"`
	Group          bool        `json:"group"`
	Discoverable   bool        `json:"discoverable"`
	CreatedAt      time.Time   `json:"created_at"`
	Note           string      `json:"note"`
	URL            string      `json:"url"`
	URI            string      `json:"uri"`
	Avatar         string      `json:"avatar"`
	Header         string      `json:"header"`
	FollowersCount int64       `json:"followers_count"`
	FollowingCount int64       `json:"following_count"`
	StatusesCount  int64       `json:"statuses_count"`
	Fields         []fieldJSON `json:"fields"`
	Emojis         []any       `json:"emojis"`
	Organisation   string      `json:"organisation"`
	Unit           string      `json:"unit"`
	JobTitle       string      `json:"job_title"`
	Tier           string      `json:"tier,omitempty"`
	Skills         []string    `json:"skills"`
	Local          bool        `json:"local"`
	Host           string      `json:"host"`
}

type fieldJSON struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"`
	VerifiedAt *string `json:"verified_at"`
}

func (s *Server) accountEntity(ctx context.Context, a *store.Actor) accountJSON {
	acct := a.Username
	if !a.Local {
		acct = a.Handle()
	}
	followers, following, _ := s.Store.CountFollows(ctx, a.ID)
	statuses, _ := s.Store.CountAuthorObjects(ctx, a.ID)
	skills := a.Skills
	if skills == nil {
		skills = []string{}
	}
	fields := []fieldJSON{}
	for _, f := range []struct{ name, value string }{
		{"Organisation", a.Organisation}, {"Unit", a.UnitName}, {"Job title", a.JobTitle},
	} {
		if f.value != "" {
			fields = append(fields, fieldJSON{Name: f.name, Value: f.value})
		}
	}
	return accountJSON{
		ID: strconv.FormatInt(a.ID, 10), Username: a.Username, Acct: acct, DisplayName: a.DisplayName,
		Locked: a.ManuallyApprovesFollowers, Bot: a.Type == store.TypeApplication || a.Type == store.TypeService,
		Group: a.Type == store.TypeGroup, Discoverable: true, CreatedAt: a.CreatedAt.UTC(), Note: a.Summary,
		URL: a.URL, URI: a.URI, FollowersCount: followers, FollowingCount: following, StatusesCount: statuses,
		Fields: fields, Emojis: []any{}, Organisation: a.Organisation, Unit: a.UnitName, JobTitle: a.JobTitle,
		Tier: a.Tier, Skills: skills, Local: a.Local, Host: a.Host,
	}
}

// statusJSON is Mastodon's Status entity, with the group it was posted in.
type statusJSON struct {
	ID                 string      `json:"id"`
	URI                string      `json:"uri"`
	URL                string      `json:"url"`
	CreatedAt          time.Time   `json:"created_at"`
	EditedAt           *time.Time  `json:"edited_at"`
	Account            accountJSON `json:"account"`
	Content            string      `json:"content"`
	Visibility         string      `json:"visibility"`
	Sensitive          bool        `json:"sensitive"`
	SpoilerText        string      `json:"spoiler_text"`
	InReplyToID        *string     `json:"in_reply_to_id"`
	InReplyToAccountID *string     `json:"in_reply_to_account_id"`
	RepliesCount       int         `json:"replies_count"`
	ReblogsCount       int         `json:"reblogs_count"`
	FavouritesCount    int         `json:"favourites_count"`
	MediaAttachments   []any       `json:"media_attachments"`
	Mentions           []any       `json:"mentions"`
	Tags               []any       `json:"tags"`
	Emojis             []any       `json:"emojis"`
	GroupID            *string     `json:"group_id"`
	Reblog             *statusJSON `json:"reblog"`
}

// statusCounts are the favourites, replies and reblogs of a page of
// statuses, read once for the whole page.
type statusCounts struct {
	likes           map[int64]store.LikeSummary
	replies, shares map[string]int64
}

func (s *Server) countsOf(ctx context.Context, objs []*store.Object) statusCounts {
	ids := make([]int64, 0, len(objs))
	uris := make([]string, 0, len(objs))
	for _, o := range objs {
		ids, uris = append(ids, o.ID), append(uris, o.URI)
	}
	var c statusCounts
	c.likes, _ = s.Store.LikeSummaries(ctx, 0, ids)
	c.replies, _ = s.Store.CountReplies(ctx, uris)
	c.shares, _ = s.Store.CountShares(ctx, uris)
	return c
}

func (s *Server) statusEntity(ctx context.Context, o *store.Object) statusJSON {
	return s.statusEntityWith(ctx, o, s.countsOf(ctx, []*store.Object{o}))
}

func (s *Server) statusEntityWith(ctx context.Context, o *store.Object, counts statusCounts) statusJSON {
	if o.Type == store.ShareType {
		// A share is a status of its own that carries the shared one.
		st := statusJSON{ID: strconv.FormatInt(o.ID, 10), URI: o.URI, URL: o.URI, CreatedAt: o.Published.UTC(),
			Account: s.accountEntity(ctx, o.Author), Visibility: "public",
			MediaAttachments: []any{}, Mentions: []any{}, Tags: []any{}, Emojis: []any{}}
		// One level only: a share of a share is not a post.
		if shared, err := s.Store.ObjectByURI(ctx, o.URL); err == nil && shared.DeletedAt == nil && store.IsPostType(shared.Type) {
			inner := s.statusEntity(ctx, shared)
			st.Reblog = &inner
		}
		return st
	}
	author := o.Author
	if author == nil {
		author, _ = s.Store.ActorByID(ctx, o.AttributedTo)
	}
	st := statusJSON{
		ID: strconv.FormatInt(o.ID, 10), URI: o.URI, URL: o.URL, CreatedAt: o.Published.UTC(), EditedAt: o.Updated,
		Account: s.accountEntity(ctx, author), Content: o.Content, Visibility: o.Visibility, SpoilerText: o.Summary,
		MediaAttachments: []any{}, Mentions: []any{}, Tags: []any{}, Emojis: []any{},
	}
	if st.URL == "" {
		st.URL = o.URI
	}
	st.FavouritesCount = int(counts.likes[o.ID].Count)
	st.RepliesCount = int(counts.replies[o.URI])
	st.ReblogsCount = int(counts.shares[o.URI])
	if o.Visibility == store.ObjGroup {
		// Mastodon has no group visibility: a public group's posts are
		// public, the others are for members, which clients show as private.
		st.Visibility = "private"
		if g, err := s.Store.GroupByActorID(ctx, *o.GroupID); err == nil && g.Visibility == store.VisibilityPublic {
			st.Visibility = "public"
		}
	}
	if o.Name != "" && (o.Type == "Page" || o.Type == "Article") {
		// Lemmy's posts and articles have a title that Mastodon's entity has
		// no field for: it leads the content, as Mastodon shows them.
		st.Content = "<p><strong>" + html.EscapeString(o.Name) + "</strong></p>" + st.Content
	}
	st.SpoilerText = plainText(o.Summary)
	if o.GroupID != nil {
		id := strconv.FormatInt(*o.GroupID, 10)
		st.GroupID = &id
	}
	if o.InReplyTo != "" {
		if parent, err := s.Store.ObjectByURI(ctx, o.InReplyTo); err == nil {
			id, acct := strconv.FormatInt(parent.ID, 10), strconv.FormatInt(parent.AttributedTo, 10)
			st.InReplyToID, st.InReplyToAccountID = &id, &acct
		}
	}
	return st
}

// spoilerPolicy keeps no markup: spoiler_text is plain text in Mastodon's API.
var spoilerPolicy = bluemonday.StrictPolicy()

func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	return html.UnescapeString(spoilerPolicy.Sanitize(s))
}

func (s *Server) statusEntities(ctx context.Context, objs []*store.Object) []statusJSON {
	out := make([]statusJSON, 0, len(objs))
	counts := s.countsOf(ctx, objs)
	for _, o := range objs {
		st := s.statusEntityWith(ctx, o, counts)
		if o.Type == store.ShareType && st.Reblog == nil {
			continue // the shared post is gone
		}
		out = append(out, st)
	}
	return out
}

// groupJSON is a group as the client API shows it.
type groupJSON struct {
	ID           string    `json:"id"`
	Acct         string    `json:"acct"`
	Username     string    `json:"username"`
	DisplayName  string    `json:"display_name"`
	Note         string    `json:"note"`
	URL          string    `json:"url"`
	URI          string    `json:"uri"`
	Visibility   string    `json:"visibility"`
	JoinPolicy   string    `json:"join_policy"`
	StateOnly    bool      `json:"state_only"`
	MembersCount int64     `json:"members_count"`
	Local        bool      `json:"local"`
	CreatedAt    time.Time `json:"created_at"`
	Role         string    `json:"role,omitempty"`
	State        string    `json:"membership,omitempty"`
}

func (s *Server) groupEntity(ctx context.Context, g *store.Group, viewer *store.Account) groupJSON {
	n, _ := s.Store.CountMembers(ctx, g.ID)
	out := groupJSON{
		ID: strconv.FormatInt(g.ID, 10), Acct: g.Handle(), Username: g.Username, DisplayName: g.DisplayName,
		Note: g.Summary, URL: g.URL, URI: g.URI, Visibility: g.Visibility, JoinPolicy: g.JoinPolicy,
		StateOnly: g.StateOnly, MembersCount: n, Local: g.Local, CreatedAt: g.CreatedAt.UTC(),
	}
	if viewer != nil {
		if m, err := s.Store.MembershipOf(ctx, g.ID, viewer.ActorID); err == nil {
			out.Role, out.State = m.Role, m.State
		}
	}
	return out
}

// parseID reads an opaque id of the client API.
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
