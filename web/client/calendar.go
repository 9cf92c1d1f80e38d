package client

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/calendar"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// Calendar feeds (ICS): one event, a public group's agenda at a plain URL,
// and, behind a per-person secret, their private groups' agendas and their
// own (what they take part in). The secret is kept as a digest only, so its
// URLs are shown once, when it is made; making a new one ends the old URLs.

// feedPast is how far back a feed reaches: calendar software keeps what it
// already has, a feed need not carry years of history.
const feedPast = 90 * 24 * time.Hour

// FeedRoutes adds the secret feeds, outside /api (calendar software
// subscribes to a URL and sends no token).
func (api *API) FeedRoutes(r chi.Router) {
	r.Get("/calendar/{secret}/agenda.ics", api.secretFeed(false))
	r.Get("/calendar/{secret}/groups/{id}.ics", api.secretFeed(true))
}

func writeICS(w http.ResponseWriter, name string, feed calendar.Feed) {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`.ics"`)
	_, _ = w.Write([]byte(feed.ICS()))
}

// feedEntries turns events into a feed's entries, each organised by its
// group.
func (api *API) feedEntries(ctx context.Context, events []*store.Event) []calendar.Entry {
	ids := make([]int64, 0, len(events))
	for _, e := range events {
		ids = append(ids, *e.GroupID)
	}
	groups, _ := api.Store.GroupsByIDs(ctx, ids)
	out := make([]calendar.Entry, 0, len(events))
	for _, e := range events {
		entry := calendar.Entry{Event: e.Event, UID: e.URI, URL: e.URL, Updated: e.Published}
		if e.Updated != nil {
			entry.Updated = *e.Updated
		}
		if g := groups[*e.GroupID]; g != nil {
			entry.Organizer = groupName(g)
		}
		out = append(out, entry)
	}
	return out
}

func groupName(g *store.Group) string {
	if g.DisplayName != "" {
		return g.DisplayName
	}
	return g.Username
}

func (api *API) apiEventICS(w http.ResponseWriter, r *http.Request) {
	e, ok := api.eventForViewer(w, r)
	if !ok {
		return
	}
	writeICS(w, "event-"+strconv.FormatInt(e.ID, 10), calendar.Feed{Name: e.Title, Entries: api.feedEntries(r.Context(), []*store.Event{e})})
}

// groupFeed writes a group's agenda.
func (api *API) groupFeed(w http.ResponseWriter, r *http.Request, g *store.Group, url string) {
	events, err := api.Store.Events(r.Context(), store.EventQuery{GroupID: g.ID, From: time.Now().Add(-feedPast)})
	if err != nil {
		respond.Fail(w, err)
		return
	}
	todos, err := api.feedTodos(r, store.TaskQuery{GroupID: g.ID})
	if err != nil {
		respond.Fail(w, err)
		return
	}
	writeICS(w, g.Username, calendar.Feed{Name: groupName(g), URL: url, Entries: api.feedEntries(r.Context(), events), Todos: todos})
}

// feedTodos are the due dates of the tasks q selects, for a feed.
func (api *API) feedTodos(r *http.Request, q store.TaskQuery) ([]calendar.Todo, error) {
	tasks, err := api.Store.Tasks(r.Context(), q)
	if err != nil {
		return nil, err
	}
	var out []calendar.Todo
	for _, t := range tasks {
		if t.DueDate == nil {
			continue
		}
		todo := calendar.Todo{UID: t.URI, Title: t.Name, URL: t.URL, Due: *t.DueDate, Done: t.Status == store.TaskDone, Updated: t.Published}
		if t.Updated != nil {
			todo.Updated = *t.Updated
		}
		out = append(out, todo)
	}
	return out, nil
}

// PublicGroupFeed serves GET /groups/{username}/calendar.ics: a public
// group's agenda, for anyone. Other groups' agendas have secret URLs only.
func (api *API) PublicGroupFeed(w http.ResponseWriter, r *http.Request) {
	a, err := api.Store.LocalActorByUsername(r.Context(), chi.URLParam(r, "username"))
	var g *store.Group
	if err == nil && a.Type == store.TypeGroup {
		g, err = api.Store.GroupOf(r.Context(), a)
	}
	if err != nil || g == nil || g.Visibility != store.VisibilityPublic {
		http.Error(w, "no such public group", http.StatusNotFound)
		return
	}
	api.groupFeed(w, r, g, api.Links.Base+"/groups/"+g.Username+"/calendar.ics")
}

// secretFeed serves a person's feeds by their secret: their agenda (what
// they take part in), or one of their groups'.
func (api *API) secretFeed(group bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		secret := chi.URLParam(r, "secret")
		owner, err := api.Store.CalendarSecretOwner(r.Context(), secret)
		if err != nil || len(secret) < 20 {
			http.Error(w, "no such calendar", http.StatusNotFound)
			return
		}
		self := api.Links.Base + r.URL.Path
		if !group {
			events, err := api.Store.Events(r.Context(), store.EventQuery{AgendaOf: owner, Participating: true,
				From: time.Now().Add(-feedPast)})
			if err != nil {
				respond.Fail(w, err)
				return
			}
			todos, err := api.feedTodos(r, store.TaskQuery{AssigneeID: owner})
			if err != nil {
				respond.Fail(w, err)
				return
			}
			writeICS(w, "agenda", calendar.Feed{Name: "Archipel", URL: self, Entries: api.feedEntries(r.Context(), events), Todos: todos})
			return
		}
		id, ok := respond.ParseID(strings.TrimSuffix(chi.URLParam(r, "id"), ".ics"))
		var g *store.Group
		err = store.ErrNotFound
		if ok {
			g, err = api.Store.GroupByActorID(r.Context(), id)
		}
		if err == nil {
			var m *store.Membership
			if m, err = api.Store.MembershipOf(r.Context(), g.ID, owner); err == nil && m.State != store.StateAccepted {
				err = store.ErrNotFound
			}
		}
		if err != nil {
			http.Error(w, "no such calendar", http.StatusNotFound)
			return
		}
		api.groupFeed(w, r, g, self)
	}
}

type feedJSON struct {
	GroupID string  `json:"group_id"`
	Acct    string  `json:"acct"`
	URL     *string `json:"url"`
}

type calendarJSON struct {
	// PersonalURL is the feed of what one takes part in; null when the
	// secret was made earlier (it is shown once).
	PersonalURL *string `json:"personal_url"`
	// Public groups' feeds have plain URLs; private and secret groups'
	// carry the secret.
	Groups          []feedJSON `json:"groups"`
	SecretCreatedAt *string    `json:"secret_created_at"`
	Regenerate      string     `json:"regenerate"`
}

// newSecret is 32 random bytes, URL-safe.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// apiCalendar returns the caller's feed URLs; the first call makes the
// secret and shows it.
func (api *API) apiCalendar(w http.ResponseWriter, r *http.Request) {
	me := auth.Account(r).ActorID
	since, err := api.Store.HasCalendarSecret(r.Context(), me)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	secret := ""
	if since == nil {
		secret = newSecret()
		if err := api.Store.SetCalendarSecret(r.Context(), me, secret); err != nil {
			respond.Fail(w, err)
			return
		}
	}
	api.writeCalendar(w, r, secret)
}

// apiRegenerateCalendar makes a new secret: the old URLs stop working.
func (api *API) apiRegenerateCalendar(w http.ResponseWriter, r *http.Request) {
	secret := newSecret()
	if err := api.Store.SetCalendarSecret(r.Context(), auth.Account(r).ActorID, secret); err != nil {
		respond.Fail(w, err)
		return
	}
	api.writeCalendar(w, r, secret)
}

func (api *API) writeCalendar(w http.ResponseWriter, r *http.Request, secret string) {
	me := auth.Account(r).ActorID
	out := calendarJSON{Groups: []feedJSON{}, Regenerate: api.Links.Base + "/api/v1/calendar/secret"}
	if since, err := api.Store.HasCalendarSecret(r.Context(), me); err == nil && since != nil {
		s := since.UTC().Format(time.RFC3339)
		out.SecretCreatedAt = &s
	}
	if secret != "" {
		u := api.Links.Base + "/calendar/" + secret + "/agenda.ics"
		out.PersonalURL = &u
	}
	groups, err := api.Store.Groups(r.Context(), store.GroupFilter{ViewerID: me, MemberOnly: true, Limit: 200})
	if err != nil {
		respond.Fail(w, err)
		return
	}
	for _, g := range groups {
		f := feedJSON{GroupID: strconv.FormatInt(g.ID, 10), Acct: g.Handle()}
		switch {
		case g.Local && g.Visibility == store.VisibilityPublic:
			u := api.Links.Base + "/groups/" + g.Username + "/calendar.ics"
			f.URL = &u
		case secret != "":
			u := api.Links.Base + "/calendar/" + secret + "/groups/" + f.GroupID + ".ics"
			f.URL = &u
		}
		out.Groups = append(out.Groups, f)
	}
	respond.JSON(w, http.StatusOK, out)
}
