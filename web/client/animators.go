package client

import (
	"net/http"
	"strconv"
	"time"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// dashboardMemberJSON is a member on an animator's dashboard: the account
// and since when it has been in that state.
type dashboardMemberJSON struct {
	Account accountJSON `json:"account"`
	Role    string      `json:"role"`
	Since   time.Time   `json:"since"`
}

func (api *API) dashboardMembers(r *http.Request, ms []*store.Membership) []dashboardMemberJSON {
	actors := make(map[int64]*store.Actor, len(ms))
	for _, m := range ms {
		actors[m.MemberID] = m.Member
	}
	entities := api.accountEntities(r.Context(), actors)
	out := make([]dashboardMemberJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, dashboardMemberJSON{Account: entities[m.MemberID], Role: m.Role, Since: m.CreatedAt.UTC()})
	}
	return out
}

// apiGroupDashboard is a group's animator's dashboard: who waits for an
// answer, who has gone quiet, what nobody answered, and where its
// indicators are. Only those who may run the group see it.
func (api *API) apiGroupDashboard(w http.ResponseWriter, r *http.Request) {
	g, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	d, err := api.Outbox.GroupDashboard(r.Context(), auth.Account(r), g.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{
		"pending_requests":   api.dashboardMembers(r, d.Pending),
		"invitations":        api.dashboardMembers(r, d.Invited),
		"quiet_members":      api.dashboardMembers(r, d.Quiet),
		"unanswered_posts":   api.statusEntities(r, d.Unanswered),
		"upcoming_events":    api.dashboardEvents(d.Upcoming),
		"overdue_tasks":      api.dashboardTasks(d.Overdue),
		"welcome":            d.Welcome,
		"quiet_days":         store.QuietDays,
		"unanswered_hours":   store.UnansweredHours,
		"indicators_url":     api.Links.Base + "/g/" + g.Username + "/observatory",
		"indicators_api_url": api.Links.Base + "/api/v1/groups/" + strconv.FormatInt(g.ID, 10) + "/stats",
	})
}

type dashboardItemJSON struct {
	ID    string    `json:"id"`
	Title string    `json:"title"`
	When  time.Time `json:"when"`
	URL   string    `json:"url"`
}

// dashboardEvents are the upcoming events: title, start, API URL.
func (api *API) dashboardEvents(events []*store.Event) []dashboardItemJSON {
	out := []dashboardItemJSON{}
	for _, e := range events {
		id := strconv.FormatInt(e.ID, 10)
		out = append(out, dashboardItemJSON{ID: id, Title: e.Title, When: e.Start.UTC(), URL: api.Links.Base + "/api/v1/events/" + id})
	}
	return out
}

// dashboardTasks are the overdue tasks: title, due date, API URL.
func (api *API) dashboardTasks(tasks []*store.Task) []dashboardItemJSON {
	out := []dashboardItemJSON{}
	for _, t := range tasks {
		id := strconv.FormatInt(t.ID, 10)
		out = append(out, dashboardItemJSON{ID: id, Title: t.Name, When: t.DueDate.UTC(), URL: api.Links.Base + "/api/v1/tasks/" + id})
	}
	return out
}

// apiSetWelcome sets the message new members see (welcome: "" removes it).
func (api *API) apiSetWelcome(w http.ResponseWriter, r *http.Request) {
	g, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	var in struct {
		Welcome string `json:"welcome"`
	}
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	if err := api.Outbox.SetWelcome(r.Context(), auth.Account(r), g.ID, in.Welcome); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]string{"welcome": in.Welcome})
}

// apiAnnounce sends an announcement to every member of the group.
func (api *API) apiAnnounce(w http.ResponseWriter, r *http.Request) {
	g, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	mailed, err := api.Outbox.Announce(r.Context(), auth.Account(r), g.ID, in.Text)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{"mailed": mailed, "max_length": outbox.MaxAnnouncement})
}
