package calendar

import (
	"fmt"
	"sort"
	"strings"
	"time"

	ical "github.com/arran4/golang-ical"
)

// Entry is an event as a calendar file lists it.
type Entry struct {
	Event
	// UID is the event's ActivityPub id: the same event has the same UID in
	// every feed and on every node.
	UID string
	// URL is the event's page.
	URL string
	// Organizer names who holds it (the group).
	Organizer string
	Updated   time.Time
}

// Todo is a task with a due date, as a calendar file lists it (VTODO).
type Todo struct {
	// UID is the task's ActivityPub id.
	UID, Title, URL string
	// Due is the day the task is due.
	Due     time.Time
	Done    bool
	Updated time.Time
}

// Feed is a calendar: one event, a group's agenda, or a person's.
type Feed struct {
	Name string
	// URL is where the feed itself is served.
	URL     string
	Entries []Entry
	// Todos are the due dates of tasks (the knowledge base's task lists).
	Todos []Todo
}

// icsLocal is a wall time without zone, as DTSTART;TZID=… wants it.
const icsLocal = "20060102T150405"

// ICS writes the feed as an iCalendar file (RFC 5545): times in their own
// zone with the VTIMEZONE that defines it, all-day events as dates,
// recurrences as RRULE, cancellation as STATUS:CANCELLED, the online link
// as CONFERENCE (RFC 7986) and URL.
func (f Feed) ICS() string {
	cal := ical.NewCalendarFor("Archipel")
	cal.SetMethod(ical.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	if f.Name != "" {
		cal.SetName(f.Name)
		cal.SetXWRCalName(f.Name)
	}
	if f.URL != "" {
		cal.SetUrl(f.URL)
	}
	cal.SetRefreshInterval("PT1H")
	years := map[string][2]int{}
	for _, e := range f.Entries {
		if e.AllDay || e.Timezone == "UTC" || e.Timezone == "Etc/UTC" {
			continue
		}
		first, last := e.Start.Year(), e.LastEnd().Year()
		if y, ok := years[e.Timezone]; ok {
			first, last = min(first, y[0]), max(last, y[1])
		}
		years[e.Timezone] = [2]int{first, last}
	}
	zones := make([]string, 0, len(years))
	for z := range years {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	for _, z := range zones {
		addTimezone(cal, z, years[z][0], years[z][1])
	}
	for _, e := range f.Entries {
		addEvent(cal, e, years)
	}
	for _, t := range f.Todos {
		todo := cal.AddTodo(t.UID)
		todo.SetSummary(t.Title)
		todo.SetAllDayDueAt(t.Due)
		todo.SetDtStampTime(t.Updated.UTC())
		if t.URL != "" {
			todo.SetURL(t.URL)
		}
		if t.Done {
			todo.SetStatus(ical.ObjectStatusCompleted)
		} else {
			todo.SetStatus(ical.ObjectStatusNeedsAction)
		}
	}
	return cal.Serialize()
}

func addEvent(cal *ical.Calendar, e Entry, zoned map[string][2]int) {
	v := cal.AddEvent(e.UID)
	v.SetDtStampTime(e.Updated)
	v.SetModifiedAt(e.Updated)
	v.SetSummary(e.Title)
	if e.Description != "" {
		v.SetDescription(e.Description)
	}
	loc := e.Loc()
	_, zonedTime := zoned[e.Timezone]
	switch {
	case e.AllDay:
		v.SetAllDayStartAt(e.Start.In(loc))
		v.SetAllDayEndAt(e.End.In(loc))
	case zonedTime:
		tz := ical.WithTZID(e.Timezone)
		v.SetProperty(ical.ComponentPropertyDtStart, e.Start.In(loc).Format(icsLocal), tz)
		v.SetProperty(ical.ComponentPropertyDtEnd, e.End.In(loc).Format(icsLocal), tz)
	default:
		v.SetStartAt(e.Start)
		v.SetEndAt(e.End)
	}
	if e.RRule != "" {
		v.AddRrule(e.RRule)
	}
	if e.Location != "" {
		v.SetLocation(e.Location)
	}
	if e.Latitude != nil && e.Longitude != nil {
		v.SetGeo(*e.Latitude, *e.Longitude)
	}
	if e.URL != "" {
		v.SetURL(e.URL)
	}
	if e.OnlineURL != "" {
		v.AddProperty(ical.ComponentProperty("CONFERENCE"), e.OnlineURL, ical.WithValue("URI"))
	}
	if e.Organizer != "" {
		v.SetProperty(ical.ComponentPropertyOrganizer, e.URL, ical.WithCN(e.Organizer))
	}
	v.SetStatus(ical.ObjectStatus(strings.ToUpper(e.Status)))
	if e.Status == StatusCancelled {
		v.SetTimeTransparency(ical.TransparencyTransparent)
	}
}

// addTimezone writes a VTIMEZONE for zone over the years its events use:
// one observance per change of offset (STANDARD or DAYLIGHT), found from
// Go's copy of the IANA database, so the file says exactly what the
// database says without anyone writing rules by hand.
func addTimezone(cal *ical.Calendar, zone string, firstYear, lastYear int) {
	loc, err := Zone(zone)
	if err != nil {
		return
	}
	tz := cal.AddTimezone(zone)
	from := time.Date(firstYear, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(lastYear+1, 1, 1, 0, 0, 0, 0, time.UTC)
	// The offset in force when the range begins.
	name, off := from.In(loc).Zone()
	observance(tz, from.In(loc).IsDST(), from.Add(time.Duration(off)*time.Second), off, off, name)
	for t := from; t.Before(to); {
		next := t.Add(24 * time.Hour)
		_, o1 := t.In(loc).Zone()
		_, o2 := next.In(loc).Zone()
		if o1 == o2 {
			t = next
			continue
		}
		// Narrow the change to the second.
		lo, hi := t, next
		for hi.Sub(lo) > time.Second {
			mid := lo.Add(hi.Sub(lo) / 2)
			if _, o := mid.In(loc).Zone(); o == o1 {
				lo = mid
			} else {
				hi = mid
			}
		}
		after := hi.In(loc)
		name, _ := after.Zone()
		// DTSTART is the wall time just before the change, in the old offset.
		observance(tz, after.IsDST(), hi.Add(time.Duration(o1)*time.Second), o1, o2, name)
		t = next
	}
}

func observance(tz *ical.VTimezone, dst bool, wall time.Time, from, to int, name string) {
	c := ical.ComponentBase{}
	c.SetProperty(ical.ComponentPropertyDtStart, wall.UTC().Format(icsLocal))
	c.SetProperty(ical.ComponentProperty("TZOFFSETFROM"), offset(from))
	c.SetProperty(ical.ComponentProperty("TZOFFSETTO"), offset(to))
	c.SetProperty(ical.ComponentProperty("TZNAME"), name)
	if dst {
		tz.Components = append(tz.Components, &ical.Daylight{ComponentBase: c})
	} else {
		tz.Components = append(tz.Components, &ical.Standard{ComponentBase: c})
	}
}

// offset writes seconds east of UTC as ±HHMM.
func offset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec%3600/60)
}
