package ui

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/calendar"
	"github.com/archipel-social/archipel/store"
)

// A group's agenda (upcoming, past, a month), an event's page with taking
// part and leaving, the create and edit forms (native date and time
// inputs), and the reader's own agenda. Times are shown French style in
// the reader's zone (Europe/Paris until readers choose theirs), and in the
// event's own zone too when it is another.

// zones offered by the forms: France's, its overseas departments' and
// territories', and a few neighbours'.
var zones = []string{"Europe/Paris", "America/Guadeloupe", "America/Martinique", "America/Cayenne", "Indian/Reunion",
	"Indian/Mayotte", "America/Miquelon", "Pacific/Noumea", "Pacific/Tahiti", "Pacific/Wallis", "Europe/Brussels",
	"Europe/Luxembourg", "Europe/Zurich", "America/Montreal", "Europe/London", "UTC"}

// localInput is the value of a datetime-local input.
const localInput = "2006-01-02T15:04"

// eventItem is an event as the pages show it.
type eventItem struct {
	*store.Event
	URL      string
	When     string // in the reader's zone
	WhenHere string // in the event's zone, when it is another
	Mine     string // the reader's participation state
	Sittings []calendar.Occurrence
	Start    time.Time // of the sitting shown
}

// dayCell is a day of the month view.
type dayCell struct {
	Day    time.Time
	InMon  bool
	Today  bool
	Events []eventItem
}

// eventsData is what the agenda and event pages show.
type eventsData struct {
	G            *groupView
	Events       []eventItem
	View         string // upcoming, past, month
	Month        time.Time
	Prev, Next   string
	Weeks        [][]dayCell
	Event        *eventItem
	Participants []*store.Participant
	CanEdit      bool
	Zones        []string
	FeedURL      string
	Editing      bool
}

// readerZone is where the reader's times are shown.
func readerZone() *time.Location {
	loc, _ := calendar.Zone(calendar.DefaultZone)
	return loc
}

func (u *UI) eventItem(v *view, gv *groupView, e *store.Event, o calendar.Occurrence, mine string) eventItem {
	it := eventItem{Event: e, URL: groupURL(gv.Actor) + "/events/" + strconv.FormatInt(e.ID, 10), Mine: mine, Start: o.Start}
	it.When = calendar.FormatRange(o.Start, o.End, e.AllDay, readerZone(), v.Lang)
	if e.Timezone != calendar.DefaultZone && !e.AllDay {
		it.WhenHere = calendar.FormatRange(o.Start, o.End, false, e.Loc(), v.Lang)
	}
	return it
}

// sittings lists each sitting of the events in [from, to) as an item.
func (u *UI) sittings(r *http.Request, v *view, gv *groupView, events []*store.Event, from, to time.Time) []eventItem {
	ids := make([]int64, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	var mine map[int64]string
	if s := sessionOf(r); s != nil {
		mine, _ = u.Store.ParticipationsOf(r.Context(), s.Actor.ID, ids)
	}
	var out []eventItem
	for _, e := range events {
		for _, o := range e.Occurrences(from, to) {
			out = append(out, u.eventItem(v, gv, e, o, mine[e.ID]))
		}
	}
	soonestFirst(out)
	return out
}

// soonestFirst orders sittings by start (a recurrence interleaves with the
// other events).
func soonestFirst(items []eventItem) {
	slices.SortStableFunc(items, func(a, b eventItem) int { return a.Start.Compare(b.Start) })
}

// groupEvents is a group's Agenda tab.
func (u *UI) groupEvents(w http.ResponseWriter, r *http.Request) {
	gv, err := u.groupByHandle(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	gv.Tab = "events"
	v := u.newView(r, "title.agenda", "groups")
	d := &eventsData{G: gv, View: r.URL.Query().Get("view")}
	v.Data = d
	if !gv.CanRead {
		u.render(w, http.StatusForbidden, "events", v)
		return
	}
	if gv.Visibility == store.VisibilityPublic && gv.Local {
		d.FeedURL = u.Links.Base + "/groups/" + gv.Username + "/calendar.ics"
	}
	now := time.Now()
	var from, to time.Time
	switch d.View {
	case "past":
		from, to = now.AddDate(-1, 0, 0), now
	case "month":
		loc := readerZone()
		m, err := time.ParseInLocation("2006-01", r.URL.Query().Get("month"), loc)
		if err != nil {
			t := now.In(loc)
			m = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
		}
		d.Month = m
		from, to = m, m.AddDate(0, 1, 0)
		d.Prev, d.Next = m.AddDate(0, -1, 0).Format("2006-01"), to.Format("2006-01")
	default:
		d.View = "upcoming"
		from = now
	}
	events, err := u.Store.Events(r.Context(), store.EventQuery{GroupID: gv.ID, From: from, To: to})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Events = u.sittings(r, v, gv, events, from, to)
	if d.View == "past" {
		slices.Reverse(d.Events)
	}
	if d.View == "month" {
		d.Weeks = monthGrid(d.Month, d.Events, now)
	}
	u.render(w, http.StatusOK, "events", v)
}

// monthGrid lays a month out in weeks from Monday, each day with its
// sittings.
func monthGrid(month time.Time, items []eventItem, now time.Time) [][]dayCell {
	loc := month.Location()
	start := month.AddDate(0, 0, -((int(month.Weekday()) + 6) % 7))
	var weeks [][]dayCell
	for day := start; day.Before(month.AddDate(0, 1, 0)) || len(weeks) == 0; {
		week := make([]dayCell, 7)
		for i := range week {
			c := dayCell{Day: day, InMon: day.Month() == month.Month(), Today: sameDate(day, now.In(loc))}
			for _, it := range items {
				if sameDate(it.Start.In(loc), day) {
					c.Events = append(c.Events, it)
				}
			}
			week[i] = c
			day = day.AddDate(0, 0, 1)
		}
		weeks = append(weeks, week)
	}
	return weeks
}

func sameDate(a, b time.Time) bool { return a.Year() == b.Year() && a.YearDay() == b.YearDay() }

// eventFromPath loads the group and event of the path, as the reader may
// see them.
func (u *UI) eventFromPath(r *http.Request) (*groupView, *store.Event, error) {
	gv, err := u.groupByHandle(r)
	if err != nil {
		return nil, nil, err
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return nil, nil, store.ErrNotFound
	}
	e, err := u.Store.EventByObjectID(r.Context(), id)
	if err != nil || e.DeletedAt != nil || e.GroupID == nil || *e.GroupID != gv.ID {
		return nil, nil, store.ErrNotFound
	}
	return gv, e, nil
}

// eventPage shows one event: when, where, who, taking part.
func (u *UI) eventPage(w http.ResponseWriter, r *http.Request) {
	gv, e, err := u.eventFromPath(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	gv.Tab = "events"
	v := u.newView(r, "title.event", "groups")
	d := &eventsData{G: gv}
	v.Data = d
	if !gv.CanRead {
		u.render(w, http.StatusForbidden, "events", v)
		return
	}
	mine := ""
	if s := sessionOf(r); s != nil {
		if p, err := u.Store.ParticipationOf(r.Context(), e.ID, s.Actor.ID); err == nil {
			mine = p.State
		}
		d.CanEdit = u.Outbox.CanCreateEvent(r.Context(), s.Account, gv.Group) == nil
	}
	first := calendar.Occurrence{Start: e.Start, End: e.End}
	it := u.eventItem(v, gv, e, first, mine)
	it.Sittings = e.Occurrences(time.Now(), time.Time{})
	d.Event = &it
	if gv.IsMember() || d.CanEdit {
		d.Participants, _ = u.Store.Participants(r.Context(), e.ID)
	}
	u.render(w, http.StatusOK, "event", v)
}

// WhenOf writes a sitting for the templates.
func (v *view) WhenOf(o calendar.Occurrence, allDay bool) string {
	return calendar.FormatRange(o.Start, o.End, allDay, readerZone(), v.Lang)
}

// participate and leaveEvent are the event page's buttons.
func (u *UI) participate(join bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		gv, e, err := u.eventFromPath(r)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		me := sessionOf(r).Actor
		notice := "left_event"
		if join {
			var p *store.Participant
			if p, err = u.Outbox.JoinEvent(r.Context(), me, e); err == nil {
				notice = "event_" + p.State
			}
		} else {
			err = u.Outbox.LeaveEvent(r.Context(), me, e)
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
		http.Redirect(w, r, groupURL(gv.Actor)+"/events/"+strconv.FormatInt(e.ID, 10)+"?notice="+notice, http.StatusSeeOther)
	}
}

// eventForm shows the create form (no event) or the edit form.
func (u *UI) eventForm(w http.ResponseWriter, r *http.Request) {
	var e *store.Event
	gv, err := u.groupByHandle(r)
	if err == nil && chi.URLParam(r, "id") != "" {
		gv, e, err = u.eventFromPath(r)
	}
	if err == nil {
		err = u.Outbox.CanCreateEvent(r.Context(), sessionOf(r).Account, gv.Group)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := u.newView(r, "title.new_event", "groups")
	form := url.Values{"timezone": {calendar.DefaultZone}, "join_mode": {calendar.JoinOpen}, "status": {calendar.StatusConfirmed}}
	if e != nil {
		v.Title = "title.edit_event"
		form = eventValues(e)
	}
	v.Form = form
	u.renderEventForm(w, v, gv, e != nil, http.StatusOK)
}

func (u *UI) renderEventForm(w http.ResponseWriter, v *view, gv *groupView, editing bool, status int) {
	gv.Tab = "events"
	v.Data = &eventsData{G: gv, Zones: zones, Editing: editing}
	u.render(w, status, "event_form", v)
}

// eventValues are an event's fields as the form shows them.
func eventValues(e *store.Event) url.Values {
	loc := e.Loc()
	f := url.Values{"title": {e.Title}, "description": {e.Description}, "timezone": {e.Timezone},
		"start_time": {e.Start.In(loc).Format(localInput)}, "end_time": {e.End.In(loc).Format(localInput)},
		"location": {e.Location}, "online_url": {e.OnlineURL}, "join_mode": {e.JoinMode}, "status": {e.Status}}
	if e.AllDay {
		f.Set("all_day", "on")
		f.Set("start_time", e.Start.In(loc).Format(time.DateOnly))
		f.Set("end_time", e.End.In(loc).AddDate(0, 0, -1).Format(time.DateOnly))
	}
	if e.Capacity > 0 {
		f.Set("capacity", strconv.Itoa(e.Capacity))
	}
	if opt := strings.Split(e.RRule, ";"); e.RRule != "" {
		for _, p := range opt {
			k, val, _ := strings.Cut(p, "=")
			switch k {
			case "FREQ":
				f.Set("repeat", strings.ToLower(val))
			case "COUNT":
				f.Set("count", val)
			}
		}
	}
	return f
}

// formInput reads the event form. The repeat menu and its count make the
// RRULE; an all-day event's dates come from the date part of the inputs.
func formInput(r *http.Request) (calendar.Input, error) {
	f := r.PostForm
	str := func(k string) *string { s := f.Get(k); return &s }
	in := calendar.Input{Title: str("title"), Description: str("description"), StartTime: str("start_time"),
		EndTime: str("end_time"), Timezone: str("timezone"), Location: str("location"), OnlineURL: str("online_url"),
		JoinMode: str("join_mode")}
	allDay := f.Get("all_day") != ""
	in.AllDay = &allDay
	if f.Has("status") {
		in.Status = str("status")
	}
	capacity := 0
	if c := strings.TrimSpace(f.Get("capacity")); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil {
			return in, &calendar.FieldError{Field: "capacity", Message: "a whole number"}
		}
		capacity = n
	}
	in.Capacity = &capacity
	rule := ""
	switch f.Get("repeat") {
	case "weekly", "monthly":
		count := strings.TrimSpace(f.Get("count"))
		if _, err := strconv.Atoi(count); err != nil {
			return in, &calendar.FieldError{Field: "count", Message: "how many times"}
		}
		rule = "FREQ=" + strings.ToUpper(f.Get("repeat")) + ";COUNT=" + count
	}
	in.RRule = &rule
	return in, nil
}

// saveEvent creates (no id in the path) or edits an event from the form.
func (u *UI) saveEvent(w http.ResponseWriter, r *http.Request) {
	var e *store.Event
	gv, err := u.groupByHandle(r)
	if err == nil && chi.URLParam(r, "id") != "" {
		gv, e, err = u.eventFromPath(r)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := u.newView(r, "title.new_event", "groups")
	if e != nil {
		v.Title = "title.edit_event"
	}
	v.Form = r.PostForm
	in, err := formInput(r)
	if err == nil {
		acct := sessionOf(r).Account
		if e == nil {
			e, err = u.Outbox.CreateEvent(r.Context(), acct, gv.ID, in)
		} else {
			e, err = u.Outbox.EditEvent(r.Context(), acct, e.ID, in)
		}
	}
	var fe *calendar.FieldError
	if errors.As(err, &fe) {
		v.Errors[fe.Field] = u.eventRule(v, fe.Field, fe.Message)
		u.renderEventForm(w, v, gv, v.Title == "title.edit_event", http.StatusUnprocessableEntity)
		return
	}
	if errs, ok := fieldErrors(v.Lang, err); ok {
		for k := range errs {
			v.Errors[k] = u.eventRule(v, k, errs[k])
		}
		u.renderEventForm(w, v, gv, v.Title == "title.edit_event", http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, groupURL(gv.Actor)+"/events/"+strconv.FormatInt(e.ID, 10)+"?notice=event_saved", http.StatusSeeOther)
}

// eventRule is the message shown by a field of the event form.
func (u *UI) eventRule(v *view, field, fallback string) string {
	switch {
	case field == "start_time" || field == "end_time":
		return v.T("rule.event."+field, calendar.FirstYear, calendar.LastYear)
	case v.Has("rule.event." + field):
		return v.T("rule.event." + field)
	}
	return fallback
}

// deleteEvent removes an event (animators).
func (u *UI) deleteEvent(w http.ResponseWriter, r *http.Request) {
	gv, e, err := u.eventFromPath(r)
	if err == nil {
		err = u.Outbox.DeleteEvent(r.Context(), sessionOf(r).Account, e.ID)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, groupURL(gv.Actor)+"/events?notice=event_deleted", http.StatusSeeOther)
}

// agendaData is the reader's own agenda.
type agendaData struct {
	Events []eventItem
}

// agenda is "my agenda": the coming events of my groups and those I take
// part in.
func (u *UI) agenda(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	v := u.newView(r, "title.my_agenda", "agenda")
	now := time.Now()
	to := now.AddDate(0, 3, 0)
	events, err := u.Store.Events(r.Context(), store.EventQuery{AgendaOf: s.Actor.ID, From: now, To: to})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := &agendaData{}
	groups := map[int64]*groupView{}
	for _, e := range events {
		gv, ok := groups[*e.GroupID]
		if !ok {
			g, err := u.Store.GroupByActorID(r.Context(), *e.GroupID)
			if err != nil {
				continue
			}
			gv = &groupView{Group: g}
			groups[g.ID] = gv
		}
		d.Events = append(d.Events, u.sittings(r, v, gv, []*store.Event{e}, now, to)...)
	}
	soonestFirst(d.Events)
	v.Data = d
	u.render(w, http.StatusOK, "agenda", v)
}

// MonthName writes « mars 2027 », "March 2027".
func (v *view) MonthName(t time.Time) string {
	if v.Lang == langEN {
		return t.Format("January 2006")
	}
	day := calendar.FormatDay(t, langFR) // « dimanche 1er mars 2027 »
	parts := strings.Fields(day)
	return parts[len(parts)-2] + " " + parts[len(parts)-1]
}

// ClockOf writes a time of day in the reader's zone.
func (v *view) ClockOf(t time.Time) string { return calendar.FormatClock(t.In(readerZone()), v.Lang) }

type weekday struct{ Short, Long string }

// WeekdayNames are the columns of the month view, from Monday.
func (v *view) WeekdayNames() []weekday {
	out := make([]weekday, 0, 7)
	monday := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 7 {
		d := monday.AddDate(0, 0, i)
		long := strings.Fields(calendar.FormatDay(d, v.Lang))[0]
		out = append(out, weekday{Short: long[:3], Long: long})
	}
	return out
}
