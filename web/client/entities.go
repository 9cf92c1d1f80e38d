// The one converter from rows to the client API's entities: Mastodon's
// shapes plus Archipel's fields.

package client

import (
	"context"
	"html"
	"net/http"
	"strconv"
	"time"

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

func (api *API) accountEntity(ctx context.Context, a *store.Actor) accountJSON {
	acct := a.Username
	if !a.Local {
		acct = a.Handle()
	}
	followers, following, _ := api.Store.CountFollows(ctx, a.ID)
	statuses, _ := api.Store.CountAuthorObjects(ctx, a.ID)
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
		Group: a.Type == store.TypeGroup, Discoverable: true, CreatedAt: a.CreatedAt.UTC(), Note: a.SummaryHTML,
		URL: a.URL, URI: a.URI, FollowersCount: followers, FollowingCount: following, StatusesCount: statuses,
		Fields: fields, Emojis: []any{}, Organisation: a.Organisation, Unit: a.UnitName, JobTitle: a.JobTitle,
		Tier: a.Tier, Skills: skills, Local: a.Local, Host: a.Host,
	}
}

// credentialAccountJSON is the caller's own account (verify_credentials,
// update_credentials): with Mastodon's source, the plain text the note (the
// bio's HTML) is made from, which is what an edit form shows.
type credentialAccountJSON struct {
	accountJSON
	Source sourceJSON `json:"source"`
	Role   string     `json:"role"`
	Email  string     `json:"email"`
}

type sourceJSON struct {
	Note   string      `json:"note"`
	Fields []fieldJSON `json:"fields"`
}

func (api *API) credentialAccountEntity(ctx context.Context, a *store.Actor, acct *store.Account) credentialAccountJSON {
	e := api.accountEntity(ctx, a)
	return credentialAccountJSON{accountJSON: e, Source: sourceJSON{Note: a.Summary, Fields: e.Fields}, Role: acct.Role, Email: acct.Email}
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

func (api *API) countsOf(ctx context.Context, objs []*store.Object) statusCounts {
	ids := make([]int64, 0, len(objs))
	uris := make([]string, 0, len(objs))
	for _, o := range objs {
		ids, uris = append(ids, o.ID), append(uris, o.URI)
	}
	var c statusCounts
	c.likes, _ = api.Store.LikeSummaries(ctx, 0, ids)
	c.replies, _ = api.Store.CountReplies(ctx, uris)
	c.shares, _ = api.Store.CountShares(ctx, uris)
	return c
}

func (api *API) statusEntity(ctx context.Context, o *store.Object) statusJSON {
	return api.statusEntityWith(ctx, o, api.countsOf(ctx, []*store.Object{o}))
}

func (api *API) statusEntityWith(ctx context.Context, o *store.Object, counts statusCounts) statusJSON {
	if o.Type == store.ShareType {
		// A share is a status of its own that carries the shared one.
		st := statusJSON{ID: strconv.FormatInt(o.ID, 10), URI: o.URI, URL: o.URI, CreatedAt: o.Published.UTC(),
			Account: api.accountEntity(ctx, api.authorOf(ctx, o)), Visibility: "public",
			MediaAttachments: []any{}, Mentions: []any{}, Tags: []any{}, Emojis: []any{}}
		// One level only: a share of a share is not a post.
		if shared, err := api.Store.ObjectByURI(ctx, o.URL); err == nil && shared.DeletedAt == nil && store.IsPostType(shared.Type) {
			inner := api.statusEntity(ctx, shared)
			st.Reblog = &inner
		}
		return st
	}
	author := api.authorOf(ctx, o)
	st := statusJSON{
		ID: strconv.FormatInt(o.ID, 10), URI: o.URI, URL: o.URL, CreatedAt: o.Published.UTC(), EditedAt: o.Updated,
		Account: api.accountEntity(ctx, author), Content: o.Content, Visibility: o.Visibility, SpoilerText: o.Summary,
		Sensitive: o.Sensitive, MediaAttachments: []any{}, Mentions: []any{}, Tags: []any{}, Emojis: []any{},
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
		// (A group post without its group, which older versions stored, is
		// private too.)
		st.Visibility = "private"
		if o.GroupID != nil {
			if g, err := api.Store.GroupByActorID(ctx, *o.GroupID); err == nil && g.Visibility == store.VisibilityPublic {
				st.Visibility = "public"
			}
		}
	}
	if o.Name != "" && (o.Type == "Page" || o.Type == "Article") {
		// Lemmy's posts and articles have a title that Mastodon's entity has
		// no field for: it leads the content, as Mastodon shows them.
		st.Content = "<p><strong>" + html.EscapeString(o.Name) + "</strong></p>" + st.Content
	}
	st.SpoilerText = o.Summary // plain text, as in Mastodon's API
	if o.GroupID != nil {
		id := strconv.FormatInt(*o.GroupID, 10)
		st.GroupID = &id
	}
	if o.InReplyTo != "" {
		if parent, err := api.Store.ObjectByURI(ctx, o.InReplyTo); err == nil {
			id, acct := strconv.FormatInt(parent.ID, 10), strconv.FormatInt(parent.AttributedTo, 10)
			st.InReplyToID, st.InReplyToAccountID = &id, &acct
		}
	}
	return st
}

// authorOf is the author of a row, loaded when the query did not join it.
// Rows always have one (a foreign key); should it be unreadable, the entity
// still shows rather than break a whole timeline.
func (api *API) authorOf(ctx context.Context, o *store.Object) *store.Actor {
	if o.Author != nil {
		return o.Author
	}
	if a, err := api.Store.ActorByID(ctx, o.AttributedTo); err == nil {
		return a
	}
	return &store.Actor{ID: o.AttributedTo}
}

func (api *API) statusEntities(ctx context.Context, objs []*store.Object) []statusJSON {
	out := make([]statusJSON, 0, len(objs))
	counts := api.countsOf(ctx, objs)
	for _, o := range objs {
		st := api.statusEntityWith(ctx, o, counts)
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

func (api *API) groupEntity(ctx context.Context, g *store.Group, viewer *store.Account) groupJSON {
	n, _ := api.Store.CountMembers(ctx, g.ID)
	out := groupJSON{
		ID: strconv.FormatInt(g.ID, 10), Acct: g.Handle(), Username: g.Username, DisplayName: g.DisplayName,
		Note: g.SummaryHTML, URL: g.URL, URI: g.URI, Visibility: g.Visibility, JoinPolicy: g.JoinPolicy,
		StateOnly: g.StateOnly, MembersCount: n, Local: g.Local, CreatedAt: g.CreatedAt.UTC(),
	}
	if viewer != nil {
		if m, err := api.Store.MembershipOf(ctx, g.ID, viewer.ActorID); err == nil {
			out.Role, out.State = m.Role, m.State
		}
	}
	return out
}

type memberJSON struct {
	Account accountJSON `json:"account"`
	Role    string      `json:"role"`
	State   string      `json:"state"`
	Since   string      `json:"since"`
}

// relationshipJSON is Mastodon's Relationship entity (the fields we know).
type relationshipJSON struct {
	ID         string `json:"id"`
	Following  bool   `json:"following"`
	Requested  bool   `json:"requested"`
	FollowedBy bool   `json:"followed_by"`
}

func (api *API) relationship(r *http.Request, me, other *store.Actor) relationshipJSON {
	rel := relationshipJSON{ID: strconv.FormatInt(other.ID, 10)}
	if f, err := api.Store.FollowOf(r.Context(), me.ID, other.ID); err == nil {
		rel.Following = f.State == store.FollowAccepted
		rel.Requested = f.State == store.FollowPending
	}
	if f, err := api.Store.FollowOf(r.Context(), other.ID, me.ID); err == nil {
		rel.FollowedBy = f.State == store.FollowAccepted
	}
	return rel
}

type documentJSON struct {
	ID          string        `json:"id"`
	URI         string        `json:"uri"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Folder      string        `json:"folder"`
	GroupID     string        `json:"group_id"`
	Account     accountJSON   `json:"account"`
	MediaType   string        `json:"media_type"`
	Size        int64         `json:"size"`
	SHA256      string        `json:"sha256"`
	Version     int           `json:"version"`
	Versions    []versionJSON `json:"versions"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   *time.Time    `json:"updated_at"`
	FileURL     string        `json:"file_url"`
}

type versionJSON struct {
	store.Version
	FileURL string `json:"file_url"`
}

func (api *API) documentEntity(r *http.Request, d *store.Document) documentJSON {
	id := strconv.FormatInt(d.ID, 10)
	author := api.authorOf(r.Context(), d.Object)
	var groupID string
	if d.GroupID != nil {
		groupID = strconv.FormatInt(*d.GroupID, 10)
	}
	out := documentJSON{ID: id, URI: d.URI, Name: d.Name, Description: d.Summary, Folder: d.Folder,
		GroupID: groupID, Account: api.accountEntity(r.Context(), author),
		Version: d.CurrentVersion, CreatedAt: d.Published.UTC(), UpdatedAt: d.Updated,
		FileURL: api.Links.Base + "/api/v1/documents/" + id + "/file", Versions: []versionJSON{}}
	if v := d.Current(); v != nil {
		out.MediaType, out.Size, out.SHA256 = v.MediaType, v.Size, v.SHA256
	}
	for _, v := range d.Versions {
		out.Versions = append(out.Versions, versionJSON{Version: v, FileURL: out.FileURL + "?version=" + strconv.Itoa(v.Version)})
	}
	return out
}
