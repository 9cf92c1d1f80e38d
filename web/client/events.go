package client

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/calendar"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// eventJSON is an event as the API returns it. Times are RFC 3339 in the
// event's own zone; occurrences lists the sittings in the window asked for
// (the event itself when it does not recur).
type eventJSON struct {
	ID                string           `json:"id"`
	URI               string           `json:"uri"`
	URL               string           `json:"url"`
	GroupID           string           `json:"group_id"`
	Title             string           `json:"title"`
	Description       string           `json:"description"`
	DescriptionHTML   string           `json:"description_html"`
	StartTime         string           `json:"start_time"`
	EndTime           string           `json:"end_time"`
	Timezone          string           `json:"timezone"`
	AllDay            bool             `json:"all_day"`
	Location          string           `json:"location"`
	Latitude          *float64         `json:"latitude"`
	Longitude         *float64         `json:"longitude"`
	OnlineURL         string           `json:"online_url"`
	Capacity          int              `json:"capacity"`
	JoinMode          string           `json:"join_mode"`
	Status            string           `json:"status"`
	RRule             string           `json:"rrule"`
	ParticipantsCount int              `json:"participants_count"`
	Remaining         *int             `json:"remaining_capacity"`
	Participation     *string          `json:"participation"`
	Organizer         accountJSON      `json:"organizer"`
	Occurrences       []occurrenceJSON `json:"occurrences"`
	CreatedAt         string           `json:"created_at"`
	UpdatedAt         *string          `json:"updated_at"`
	ICS               string           `json:"ics_url"`
}

type occurrenceJSON struct {
	StartTime string `json:"start_time"`
	EndTime   string `json:"end_time"`
}

func (api *API) eventEntity(ctx context.Context, e *store.Event, participation string, from, to time.Time) eventJSON {
	loc := e.Loc()
	out := eventJSON{ID: strconv.FormatInt(e.ID, 10), URI: e.URI, URL: e.URL, Title: e.Title, Description: e.Description,
		DescriptionHTML: e.Content, StartTime: e.Start.In(loc).Format(time.RFC3339), EndTime: e.End.In(loc).Format(time.RFC3339),
		Timezone: e.Timezone, AllDay: e.AllDay, Location: e.Location, Latitude: e.Latitude, Longitude: e.Longitude,
		OnlineURL: e.OnlineURL, Capacity: e.Capacity, JoinMode: e.JoinMode, Status: e.Status, RRule: e.RRule,
		ParticipantsCount: e.ParticipantCount, CreatedAt: e.Published.UTC().Format(time.RFC3339),
		ICS: api.Links.Base + "/api/v1/events/" + strconv.FormatInt(e.ID, 10) + "/ics", Occurrences: []occurrenceJSON{}}
	if e.GroupID != nil {
		out.GroupID = strconv.FormatInt(*e.GroupID, 10)
	}
	if e.Capacity > 0 {
		left := max(e.Capacity-e.ParticipantCount, 0)
		out.Remaining = &left
	}
	if participation != "" {
		out.Participation = &participation
	}
	if e.Updated != nil {
		u := e.Updated.UTC().Format(time.RFC3339)
		out.UpdatedAt = &u
	}
	if e.Author != nil {
		out.Organizer = api.accountEntity(ctx, e.Author)
	}
	for _, o := range e.Occurrences(from, to) {
		out.Occurrences = append(out.Occurrences, occurrenceJSON{o.Start.In(loc).Format(time.RFC3339), o.End.In(loc).Format(time.RFC3339)})
	}
	return out
}

func (api *API) writeCalendarEvents(w http.ResponseWriter, r *http.Request, events []*store.Event, from, to time.Time) {
	ids := make([]int64, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	mine, err := api.Store.ParticipationsOf(r.Context(), viewerID(r), ids)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	out := make([]eventJSON, 0, len(events))
	for _, e := range events {
		out = append(out, api.eventEntity(r.Context(), e, mine[e.ID], from, to))
	}
	respond.JSON(w, http.StatusOK, out)
}

// window reads from= and to= (RFC 3339 or a date); from defaults to now, so
// that a list shows what is coming.
func window(r *http.Request) (time.Time, time.Time, error) {
	q := r.URL.Query()
	read := func(field string) (time.Time, error) {
		s := strings.TrimSpace(q.Get(field))
		if s == "" {
			return time.Time{}, nil
		}
		for _, layout := range []string{time.RFC3339, time.DateOnly} {
			if t, err := time.Parse(layout, s); err == nil && t.Year() >= calendar.FirstYear && t.Year() <= calendar.LastYear {
				return t, nil
			}
		}
		return time.Time{}, respond.InvalidField(field, "a date (2027-03-01) or an RFC 3339 time")
	}
	from, err := read("from")
	if err != nil {
		return from, from, err
	}
	to, err := read("to")
	if err != nil {
		return from, to, err
	}
	if from.IsZero() && !q.Has("from") {
		from = time.Now()
	}
	if !to.IsZero() && !to.After(from) {
		return from, to, respond.InvalidField("to", "must come after from")
	}
	return from, to, nil
}

// eventInput reads an event's JSON or form fields.
func eventInput(w http.ResponseWriter, r *http.Request) (calendar.Input, error) {
	var in calendar.Input
	err := respond.Decode(w, r, &in)
	return in, err
}

func (api *API) apiCreateEvent(w http.ResponseWriter, r *http.Request) {
	g, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	in, err := eventInput(w, r)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	e, err := api.Outbox.CreateEvent(r.Context(), auth.Account(r), g.ID, in)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.eventEntity(r.Context(), e, "", time.Time{}, time.Time{}))
}

func (api *API) apiGroupEvents(w http.ResponseWriter, r *http.Request) {
	g, m, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	if g.Visibility != store.VisibilityPublic && (m == nil || m.State != store.StateAccepted) {
		if auth.Account(r) == nil {
			respond.Error(w, http.StatusUnauthorized, "events of this group are for its members: sign in")
		} else {
			respond.Fail(w, outbox.ErrForbidden)
		}
		return
	}
	from, to, err := window(r)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	events, err := api.Store.Events(r.Context(), store.EventQuery{GroupID: g.ID, From: from, To: to})
	if err != nil {
		respond.Fail(w, err)
		return
	}
	api.writeCalendarEvents(w, r, events, from, to)
}

// apiMyEvents is the caller's agenda: the events of their groups and those
// they take part in.
func (api *API) apiMyEvents(w http.ResponseWriter, r *http.Request) {
	from, to, err := window(r)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	events, err := api.Store.Events(r.Context(), store.EventQuery{AgendaOf: viewerID(r), From: from, To: to})
	if err != nil {
		respond.Fail(w, err)
		return
	}
	api.writeCalendarEvents(w, r, events, from, to)
}

// eventForViewer loads an event the caller may read (the rule of its
// group's posts, store.CanSee): 404 in a secret group or for no such
// event, 401/403 for a private group's outsiders.
func (api *API) eventForViewer(w http.ResponseWriter, r *http.Request) (*store.Event, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	var e *store.Event
	var err error = store.ErrNotFound
	if ok {
		e, err = api.Store.EventByObjectID(r.Context(), id)
	}
	if err == nil && (e.DeletedAt != nil || e.GroupID == nil) {
		err = store.ErrNotFound
	}
	if err != nil {
		respond.Error(w, http.StatusNotFound, "no such event")
		return nil, false
	}
	visible, err := api.Store.CanSee(r.Context(), e.Object, viewerID(r))
	if err != nil {
		respond.Fail(w, err)
		return nil, false
	}
	if visible {
		return e, true
	}
	g, err := api.Store.GroupByActorID(r.Context(), *e.GroupID)
	switch {
	case err != nil || g.Visibility == store.VisibilitySecret:
		respond.Error(w, http.StatusNotFound, "no such event")
	case auth.Account(r) == nil:
		respond.Error(w, http.StatusUnauthorized, "events of this group are for its members: sign in")
	default:
		respond.Fail(w, outbox.ErrForbidden)
	}
	return nil, false
}

func (api *API) writeEvent(w http.ResponseWriter, r *http.Request, e *store.Event) {
	state := ""
	if id := viewerID(r); id != 0 {
		if p, err := api.Store.ParticipationOf(r.Context(), e.ID, id); err == nil {
			state = p.State
		}
	}
	respond.JSON(w, http.StatusOK, api.eventEntity(r.Context(), e, state, time.Time{}, time.Time{}))
}

func (api *API) apiEvent(w http.ResponseWriter, r *http.Request) {
	if e, ok := api.eventForViewer(w, r); ok {
		api.writeEvent(w, r, e)
	}
}

func (api *API) apiEditEvent(w http.ResponseWriter, r *http.Request) {
	e, ok := api.eventForViewer(w, r)
	if !ok {
		return
	}
	in, err := eventInput(w, r)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	updated, err := api.Outbox.EditEvent(r.Context(), auth.Account(r), e.ID, in)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	api.writeEvent(w, r, updated)
}

func (api *API) apiDeleteEvent(w http.ResponseWriter, r *http.Request) {
	e, ok := api.eventForViewer(w, r)
	if !ok {
		return
	}
	if err := api.Outbox.DeleteEvent(r.Context(), auth.Account(r), e.ID); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.eventEntity(r.Context(), e, "", time.Time{}, time.Time{}))
}

// apiParticipation takes part (join) or leaves.
func (api *API) apiParticipation(join bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e, ok := api.eventForViewer(w, r)
		if !ok {
			return
		}
		me, ok := api.meOrFail(w, r)
		if !ok {
			return
		}
		var err error
		if join {
			_, err = api.Outbox.JoinEvent(r.Context(), me, e)
		} else {
			err = api.Outbox.LeaveEvent(r.Context(), me, e)
		}
		if errors.Is(err, outbox.ErrForbidden) {
			respond.Error(w, http.StatusForbidden, "this event is on invitation only")
			return
		} else if err != nil {
			respond.Fail(w, err)
			return
		}
		api.reloadEvent(w, r, e.ID)
	}
}

func (api *API) reloadEvent(w http.ResponseWriter, r *http.Request, id int64) {
	e, err := api.Store.EventByObjectID(r.Context(), id)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	api.writeEvent(w, r, e)
}

type participantJSON struct {
	Account accountJSON `json:"account"`
	State   string      `json:"state"`
	Since   string      `json:"created_at"`
}

// apiEventParticipants lists who takes part, for the group's members.
func (api *API) apiEventParticipants(w http.ResponseWriter, r *http.Request) {
	e, ok := api.eventForViewer(w, r)
	if !ok {
		return
	}
	acct := auth.Account(r)
	m, err := api.Store.MembershipOf(r.Context(), *e.GroupID, acct.ActorID)
	if err != nil || m.State != store.StateAccepted {
		if acct.Role != store.RoleAdmin {
			respond.Error(w, http.StatusForbidden, "the participants of an event are shown to the group's members")
			return
		}
	}
	ps, err := api.Store.Participants(r.Context(), e.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	out := make([]participantJSON, 0, len(ps))
	for _, p := range ps {
		if p.Actor == nil {
			continue
		}
		out = append(out, participantJSON{Account: api.accountEntity(r.Context(), p.Actor), State: p.State,
			Since: p.CreatedAt.UTC().Format(time.RFC3339)})
	}
	respond.JSON(w, http.StatusOK, out)
}

// apiParticipantAction: an animator approves, refuses or invites.
func (api *API) apiParticipantAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e, ok := api.eventForViewer(w, r)
		if !ok {
			return
		}
		who, ok := respond.ParseID(chi.URLParam(r, "account_id"))
		if !ok {
			respond.Error(w, http.StatusNotFound, "no such account")
			return
		}
		var err error
		switch action {
		case "invite":
			if _, err = api.Store.ActorByID(r.Context(), who); err == nil {
				err = api.Outbox.InviteToEvent(r.Context(), auth.Account(r), e.ID, who)
			}
		default:
			err = api.Outbox.AnswerParticipant(r.Context(), auth.Account(r), e.ID, who, action == "approve")
		}
		if err != nil {
			respond.Fail(w, err)
			return
		}
		api.reloadEvent(w, r, e.ID)
	}
}
