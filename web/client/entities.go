// The one converter from rows to the client API's entities: Mastodon's
// shapes plus Archipel's fields.

package client

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/archipel-social/archipel/ap"
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
	Discoverable   *bool       `json:"discoverable"`
	Indexable      bool        `json:"indexable"`
	NoIndex        *bool       `json:"noindex"`
	HideCollect    *bool       `json:"hide_collections"`
	CreatedAt      time.Time   `json:"created_at"`
	LastStatusAt   *string     `json:"last_status_at"`
	Note           string      `json:"note"`
	URL            string      `json:"url"`
	URI            string      `json:"uri"`
	Avatar         string      `json:"avatar"`
	AvatarStatic   string      `json:"avatar_static"`
	Header         string      `json:"header"`
	HeaderStatic   string      `json:"header_static"`
	FollowersCount int64       `json:"followers_count"`
	FollowingCount int64       `json:"following_count"`
	StatusesCount  int64       `json:"statuses_count"`
	Fields         []fieldJSON `json:"fields"`
	Emojis         []any       `json:"emojis"`
	Roles          []roleJSON  `json:"roles"`
	Moved          *struct{}   `json:"moved"`
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
	return api.accountEntities(ctx, map[int64]*store.Actor{a.ID: a})[a.ID]
}

// accountEntities converts the actors of a page, their counts read in one
// query.
func (api *API) accountEntities(ctx context.Context, actors map[int64]*store.Actor) map[int64]accountJSON {
	ids := make([]int64, 0, len(actors))
	for id := range actors {
		ids = append(ids, id)
	}
	counts, _ := api.Store.CountsOf(ctx, ids)
	images, _ := api.Store.ProfileMediaOf(ctx, ids)
	out := make(map[int64]accountJSON, len(actors))
	for id, a := range actors {
		e := accountFrom(a, counts[id], api.Links)
		e.setImages(api.Links, a, images[id])
		out[id] = e
	}
	return out
}

// setImages fills the avatar and header: ours from their pictures, a
// peer's from its actor document's icon and image, and the default
// pictures for those who have none (apps cannot load an empty URL).
// Pictures are still: the static URLs are the same.
func (e *accountJSON) setImages(links ap.Links, a *store.Actor, mine map[string]*store.Media) {
	e.Avatar, e.Header = links.DefaultAvatar(), links.DefaultHeader()
	if a.Local {
		if m := mine[store.MediaAvatar]; m != nil {
			e.Avatar = links.MediaFile(m.Token, ap.MediaOriginal, m.MediaType)
		}
		if m := mine[store.MediaHeader]; m != nil {
			e.Header = links.MediaFile(m.Token, ap.MediaOriginal, m.MediaType)
		}
	} else if len(a.Raw) > 0 {
		avatar, header := ap.ActorImages(a.Raw)
		if avatar != "" {
			e.Avatar = avatar
		}
		if header != "" {
			e.Header = header
		}
	}
	e.AvatarStatic, e.HeaderStatic = e.Avatar, e.Header
}

// remoteAccountFlags are what a peer's actor document says of Mastodon's
// discoverable and indexable.
type remoteAccountFlags struct {
	Discoverable *bool `json:"discoverable"`
	Indexable    *bool `json:"indexable"`
}

// profileFields are Mastodon's profile fields, made from the directory's
// profile: organisation, unit, job title and skills (Mastodon shows four).
func profileFields(a *store.Actor) []fieldJSON {
	fields := []fieldJSON{}
	for _, f := range []struct{ name, value string }{
		{"Organisation", a.Organisation}, {"Unit", a.UnitName}, {"Job title", a.JobTitle},
		{"Skills", strings.Join(a.Skills, ", ")},
	} {
		if f.value != "" {
			fields = append(fields, fieldJSON{Name: f.name, Value: html.EscapeString(f.value)})
		}
	}
	return fields
}

func accountFrom(a *store.Actor, counts store.ActorCounts, links ap.Links) accountJSON {
	acct := a.Username
	if !a.Local {
		acct = a.Handle()
	}
	skills := a.Skills
	if skills == nil {
		skills = []string{}
	}
	prefs := counts.Preferences
	if prefs == (store.Preferences{}) {
		prefs = store.DefaultPreferences
	}
	discoverable, indexable := prefs.Discoverable, prefs.Indexable
	if !a.Local && len(a.Raw) > 0 {
		var flags remoteAccountFlags
		if json.Unmarshal(a.Raw, &flags) == nil {
			discoverable = flags.Discoverable != nil && *flags.Discoverable
			indexable = flags.Indexable != nil && *flags.Indexable
		}
	}
	noindex, hide := !indexable, prefs.HideCollections
	out := accountJSON{
		ID: strconv.FormatInt(a.ID, 10), Username: a.Username, Acct: acct, DisplayName: a.DisplayName,
		Locked: a.ManuallyApprovesFollowers, Bot: a.Type == store.TypeApplication || a.Type == store.TypeService,
		Group: a.Type == store.TypeGroup, Discoverable: &discoverable, Indexable: indexable, NoIndex: &noindex,
		HideCollect: &hide, CreatedAt: a.CreatedAt.UTC(), Note: a.SummaryHTML,
		URL: a.URL, URI: a.URI, FollowersCount: counts.Followers, FollowingCount: counts.Following, StatusesCount: counts.Statuses,
		Avatar: links.DefaultAvatar(), Header: links.DefaultHeader(),
		Fields: profileFields(a), Emojis: []any{}, Roles: []roleJSON{}, Organisation: a.Organisation, Unit: a.UnitName,
		JobTitle: a.JobTitle, Tier: a.Tier, Skills: skills, Local: a.Local, Host: a.Host,
	}
	out.AvatarStatic, out.HeaderStatic = out.Avatar, out.Header
	if out.URL == "" {
		out.URL = a.URI
	}
	if counts.LastStatusAt != nil {
		// Mastodon gives the day only.
		day := counts.LastStatusAt.UTC().Format(time.DateOnly)
		out.LastStatusAt = &day
	}
	if role, ok := roles[counts.Role]; ok && role.Highlighted {
		out.Roles = append(out.Roles, role)
	}
	return out
}

// credentialAccountJSON is the caller's own account (verify_credentials,
// update_credentials): with Mastodon's source, the plain text the note (the
// bio's HTML) is made from, which is what an edit form shows, and the
// caller's defaults for new posts.
type credentialAccountJSON struct {
	accountJSON
	Source sourceJSON `json:"source"`
	Role   roleJSON   `json:"role"`
	Email  string     `json:"email"`
}

type sourceJSON struct {
	Note                string      `json:"note"`
	Fields              []fieldJSON `json:"fields"`
	Privacy             string      `json:"privacy"`
	Sensitive           bool        `json:"sensitive"`
	Language            *string     `json:"language"`
	FollowRequestsCount int64       `json:"follow_requests_count"`
	HideCollections     bool        `json:"hide_collections"`
	Discoverable        bool        `json:"discoverable"`
	Indexable           bool        `json:"indexable"`
}

func (api *API) credentialAccountEntity(ctx context.Context, a *store.Actor, acct *store.Account) credentialAccountJSON {
	counts, _ := api.Store.CountsOf(ctx, []int64{a.ID})
	c := counts[a.ID]
	e := api.accountEntity(ctx, a)
	prefs := c.Preferences
	// The source's fields are plain text, as the person typed them.
	fields := []fieldJSON{}
	for _, f := range e.Fields {
		fields = append(fields, fieldJSON{Name: f.Name, Value: html.UnescapeString(f.Value)})
	}
	src := sourceJSON{Note: a.Summary, Fields: fields, Privacy: prefs.DefaultVisibility, Sensitive: prefs.DefaultSensitive,
		HideCollections: prefs.HideCollections, Discoverable: prefs.Discoverable, Indexable: prefs.Indexable}
	if prefs.DefaultLanguage != "" {
		src.Language = &prefs.DefaultLanguage
	}
	if reqs, err := api.Store.FollowRequests(ctx, a.ID); err == nil {
		src.FollowRequestsCount = int64(len(reqs))
	}
	role, ok := roles[acct.Role]
	if !ok {
		role = roles[store.RoleMember]
	}
	return credentialAccountJSON{accountJSON: e, Source: src, Role: role, Email: acct.Email}
}

// statusJSON is Mastodon's Status entity, with the group it was posted in.
type statusJSON struct {
	ID                 string           `json:"id"`
	URI                string           `json:"uri"`
	URL                string           `json:"url"`
	CreatedAt          time.Time        `json:"created_at"`
	EditedAt           *time.Time       `json:"edited_at"`
	Account            accountJSON      `json:"account"`
	Content            string           `json:"content"`
	Text               *string          `json:"text,omitempty"`
	Visibility         string           `json:"visibility"`
	Sensitive          bool             `json:"sensitive"`
	SpoilerText        string           `json:"spoiler_text"`
	InReplyToID        *string          `json:"in_reply_to_id"`
	InReplyToAccountID *string          `json:"in_reply_to_account_id"`
	Language           *string          `json:"language"`
	RepliesCount       int64            `json:"replies_count"`
	ReblogsCount       int64            `json:"reblogs_count"`
	FavouritesCount    int64            `json:"favourites_count"`
	Favourited         bool             `json:"favourited"`
	Reblogged          bool             `json:"reblogged"`
	Muted              bool             `json:"muted"`
	Bookmarked         bool             `json:"bookmarked"`
	Pinned             *bool            `json:"pinned,omitempty"`
	MediaAttachments   []mediaJSON      `json:"media_attachments"`
	Mentions           []mentionJSON    `json:"mentions"`
	Tags               []tagJSON        `json:"tags"`
	Emojis             []any            `json:"emojis"`
	Card               *struct{}        `json:"card"`
	Poll               *struct{}        `json:"poll"`
	Application        *applicationJSON `json:"application"`
	GroupID            *string          `json:"group_id"`
	Reblog             *statusJSON      `json:"reblog"`
	// Filtered names the reader's warning filters the status matches.
	Filtered []filterResultJSON `json:"filtered,omitempty"`
}

// mentionJSON is Mastodon's Status.Mention.
type mentionJSON struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

// tagJSON is Mastodon's Status.Tag.
type tagJSON struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// applicationJSON is Mastodon's Status.Application.
type applicationJSON struct {
	Name    string  `json:"name"`
	Website *string `json:"website"`
}

// statusPage is what a page of statuses shows besides their rows, read in a
// few queries for the whole page (never per status): the posts shares
// point to, counts, the reader's own favourites and shares, parents,
// groups, mentions and authors.
type statusPage struct {
	viewer    int64
	shared    map[string]*store.Object
	likes     map[int64]store.LikeSummary
	replies   map[string]int64
	shares    map[string]int64
	reblogged map[string]bool
	bookmarks map[int64]bool
	pins      map[int64]bool
	parents   map[string]*store.Object
	groups    map[int64]*store.Group
	mentions  map[int64][]*store.Actor
	tags      map[int64][]string
	media     map[int64][]*store.Media
	accounts  map[int64]accountJSON
	links     ap.Links
	// filters are the reader's filters of the list's context.
	filters []activeFilter
}

func (api *API) newStatusPage(ctx context.Context, viewer int64, objs []*store.Object) *statusPage {
	sp := &statusPage{viewer: viewer, links: api.Links, filters: api.viewerFilters(ctx, viewer)}
	var shareURIs []string
	for _, o := range objs {
		if o.Type == store.ShareType {
			shareURIs = append(shareURIs, o.URL)
		}
	}
	if len(shareURIs) > 0 {
		sp.shared, _ = api.Store.SharedPosts(ctx, shareURIs)
	}
	posts := make([]*store.Object, 0, len(objs)+len(sp.shared))
	actors := map[int64]*store.Actor{}
	for _, o := range objs {
		if o.Author != nil {
			actors[o.AttributedTo] = o.Author
		}
		if o.Type != store.ShareType {
			posts = append(posts, o)
		}
	}
	for _, o := range sp.shared {
		posts = append(posts, o)
		actors[o.AttributedTo] = o.Author
	}
	var ids, groupIDs []int64
	var uris, parentURIs []string
	for _, o := range posts {
		ids, uris = append(ids, o.ID), append(uris, o.URI)
		if o.InReplyTo != "" {
			parentURIs = append(parentURIs, o.InReplyTo)
		}
		if o.GroupID != nil {
			groupIDs = append(groupIDs, *o.GroupID)
		}
	}
	sp.likes, _ = api.Store.LikeSummaries(ctx, viewer, ids)
	sp.replies, _ = api.Store.CountReplies(ctx, uris)
	sp.shares, _ = api.Store.CountShares(ctx, uris)
	sp.mentions, _ = api.Store.MentionedActorsOf(ctx, ids)
	sp.tags, _ = api.Store.ObjectTagsOf(ctx, ids)
	sp.media, _ = api.Store.MediaOf(ctx, ids)
	if viewer != 0 {
		sp.reblogged, _ = api.Store.SharedByActor(ctx, viewer, uris)
		sp.bookmarks, _ = api.Store.BookmarkedAmong(ctx, viewer, ids)
		sp.pins, _ = api.Store.PinnedAmong(ctx, viewer, ids)
	}
	if len(parentURIs) > 0 {
		sp.parents, _ = api.Store.ObjectsByURIs(ctx, parentURIs)
	}
	if len(groupIDs) > 0 {
		sp.groups, _ = api.Store.GroupsByIDs(ctx, groupIDs)
	}
	sp.accounts = api.accountEntities(ctx, actors)
	return sp
}

// entity converts one status of the page; ok is false for a share whose
// post is gone.
func (sp *statusPage) entity(o *store.Object) (statusJSON, bool) {
	if o.Type == store.ShareType {
		// A share is a status of its own that carries the shared one (one
		// level only: a share of a share is not a post).
		shared := sp.shared[o.URL]
		if shared == nil {
			return statusJSON{}, false
		}
		inner, ok := sp.entity(shared)
		if !ok {
			return statusJSON{}, false // the shared post is hidden by a filter
		}
		st := sp.bare(o)
		st.URL, st.Visibility, st.Reblog = o.URI, store.ObjPublic, &inner
		return st, true
	}
	hidden, filtered := applyFilters(sp.filters, o)
	if hidden {
		return statusJSON{}, false
	}
	st := sp.bare(o)
	st.Filtered = filtered
	st.Content, st.Visibility, st.EditedAt, st.Sensitive = o.Content, o.Visibility, o.Updated, o.Sensitive
	st.SpoilerText = o.Summary // plain text, as in Mastodon's API
	if st.URL == "" {
		st.URL = o.URI
	}
	st.FavouritesCount = sp.likes[o.ID].Count
	st.Favourited = sp.likes[o.ID].ByActor
	st.RepliesCount = sp.replies[o.URI]
	st.ReblogsCount = sp.shares[o.URI]
	st.Reblogged = sp.reblogged[o.URI]
	st.Bookmarked = sp.bookmarks[o.ID]
	st.Sensitive = o.Sensitive
	if o.Language != "" {
		st.Language = &o.Language
	}
	if sp.viewer != 0 && o.AttributedTo == sp.viewer && o.Visibility != store.ObjDirect {
		// Mastodon says pinned only to the author, of what they could pin.
		pinned := sp.pins[o.ID]
		st.Pinned = &pinned
	}
	if o.Visibility == store.ObjGroup {
		// Mastodon has no group visibility: a public group's posts are
		// public, the others are for members, which clients show as private.
		// (A group post without its group, which older versions stored, is
		// private too.)
		st.Visibility = store.ObjPrivate
		if o.GroupID != nil {
			if g := sp.groups[*o.GroupID]; g != nil && g.Visibility == store.VisibilityPublic {
				st.Visibility = store.ObjPublic
			}
		}
	}
	if o.Name != "" && (o.Type == "Page" || o.Type == "Article") {
		// Lemmy's posts and articles have a title that Mastodon's entity has
		// no field for: it leads the content, as Mastodon shows them.
		st.Content = "<p><strong>" + html.EscapeString(o.Name) + "</strong></p>" + st.Content
	}
	if o.GroupID != nil {
		id := strconv.FormatInt(*o.GroupID, 10)
		st.GroupID = &id
	}
	if parent := sp.parents[o.InReplyTo]; o.InReplyTo != "" && parent != nil {
		id, acct := strconv.FormatInt(parent.ID, 10), strconv.FormatInt(parent.AttributedTo, 10)
		st.InReplyToID, st.InReplyToAccountID = &id, &acct
	}
	st.MediaAttachments = mediaEntities(sp.links, sp.media[o.ID])
	for _, t := range sp.tags[o.ID] {
		st.Tags = append(st.Tags, tagJSON{Name: t, URL: sp.links.Tag(url.PathEscape(t))})
	}
	for _, m := range sp.mentions[o.ID] {
		acct := m.Username
		if !m.Local {
			acct = m.Handle()
		}
		st.Mentions = append(st.Mentions, mentionJSON{ID: strconv.FormatInt(m.ID, 10), Username: m.Username, URL: m.URL, Acct: acct})
	}
	return st, true
}

// bare is the part of a status every kind shares.
func (sp *statusPage) bare(o *store.Object) statusJSON {
	account, ok := sp.accounts[o.AttributedTo]
	if !ok {
		// Rows always have an author (a foreign key); should it be
		// unreadable, the entity still shows rather than break a timeline.
		author := o.Author
		if author == nil {
			author = &store.Actor{ID: o.AttributedTo}
		}
		account = accountFrom(author, store.ActorCounts{}, sp.links)
		account.setImages(sp.links, author, nil)
	}
	return statusJSON{ID: strconv.FormatInt(o.ID, 10), URI: o.URI, URL: o.URL, CreatedAt: o.Published.UTC(),
		Account: account, MediaAttachments: []mediaJSON{}, Mentions: []mentionJSON{}, Tags: []tagJSON{}, Emojis: []any{}}
}

// statusEntity converts one status for the request's reader.
func (api *API) statusEntity(r *http.Request, o *store.Object) statusJSON {
	st, _ := api.statusEntityFor(r.Context(), viewerID(r), o)
	return st
}

// statusEntityFor converts one status for a viewer; ok is false for a
// share whose post is gone.
func (api *API) statusEntityFor(ctx context.Context, viewer int64, o *store.Object) (statusJSON, bool) {
	return api.newStatusPage(ctx, viewer, []*store.Object{o}).entity(o)
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

// statusEntities converts a page of statuses for the request's reader,
// leaving out shares of posts that are gone.
func (api *API) statusEntities(r *http.Request, objs []*store.Object) []statusJSON {
	sp := api.newStatusPage(requestFilterContext(r), viewerID(r), objs)
	out := make([]statusJSON, 0, len(objs))
	for _, o := range objs {
		if st, ok := sp.entity(o); ok {
			out = append(out, st)
		}
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
	var m *store.Membership
	if viewer != nil {
		m, _ = api.Store.MembershipOf(ctx, g.ID, viewer.ActorID)
	}
	return groupFrom(g, n, m)
}

// groupEntities converts the groups of a page for a viewer (0: anonymous),
// in three queries.
func (api *API) groupEntities(ctx context.Context, ids []int64, viewer int64) map[int64]groupJSON {
	out := map[int64]groupJSON{}
	if len(ids) == 0 {
		return out
	}
	groups, _ := api.Store.GroupsByIDs(ctx, ids)
	counts, mine, _ := api.Store.GroupPageFacts(ctx, ids, viewer)
	for id, g := range groups {
		out[id] = groupFrom(g, counts[id], mine[id])
	}
	return out
}

func groupFrom(g *store.Group, members int64, m *store.Membership) groupJSON {
	out := groupJSON{
		ID: strconv.FormatInt(g.ID, 10), Acct: g.Handle(), Username: g.Username, DisplayName: g.DisplayName,
		Note: g.SummaryHTML, URL: g.URL, URI: g.URI, Visibility: g.Visibility, JoinPolicy: g.JoinPolicy,
		StateOnly: g.StateOnly, MembersCount: members, Local: g.Local, CreatedAt: g.CreatedAt.UTC(),
	}
	if m != nil {
		out.Role, out.State = m.Role, m.State
	}
	return out
}

type memberJSON struct {
	Account accountJSON `json:"account"`
	Role    string      `json:"role"`
	State   string      `json:"state"`
	Since   string      `json:"since"`
}

// relationshipJSON is Mastodon's Relationship entity.
type relationshipJSON struct {
	ID                  string   `json:"id"`
	Following           bool     `json:"following"`
	ShowingReblogs      bool     `json:"showing_reblogs"`
	Notifying           bool     `json:"notifying"`
	Languages           []string `json:"languages"`
	FollowedBy          bool     `json:"followed_by"`
	Blocking            bool     `json:"blocking"`
	BlockedBy           bool     `json:"blocked_by"`
	Muting              bool     `json:"muting"`
	MutingNotifications bool     `json:"muting_notifications"`
	Requested           bool     `json:"requested"`
	RequestedBy         bool     `json:"requested_by"`
	DomainBlocking      bool     `json:"domain_blocking"`
	Endorsed            bool     `json:"endorsed"`
	Note                string   `json:"note"`
}

func relationshipFrom(id int64, rel store.Relationship) relationshipJSON {
	return relationshipJSON{ID: strconv.FormatInt(id, 10), Following: rel.Following, ShowingReblogs: rel.ShowingReblogs,
		Notifying: rel.Notifying, FollowedBy: rel.FollowedBy, Blocking: rel.Blocking, BlockedBy: rel.BlockedBy,
		Muting: rel.Muting, MutingNotifications: rel.MutingNotifications, Requested: rel.Requested,
		RequestedBy: rel.RequestedBy, DomainBlocking: rel.DomainBlocking}
}

// relationships reads the caller's relationships with several accounts in
// one query, in their order.
func (api *API) relationships(r *http.Request, me *store.Actor, ids []int64) ([]relationshipJSON, error) {
	rels, err := api.Store.Relationships(r.Context(), me.ID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]relationshipJSON, 0, len(ids))
	for _, id := range ids {
		out = append(out, relationshipFrom(id, rels[id]))
	}
	return out, nil
}

// relationship is the caller's relationship with one account (an empty
// one should it be unreadable: the action it answers is done).
func (api *API) relationship(r *http.Request, me, other *store.Actor) relationshipJSON {
	rels, err := api.relationships(r, me, []int64{other.ID})
	if err != nil {
		return relationshipJSON{ID: strconv.FormatInt(other.ID, 10)}
	}
	return rels[0]
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
