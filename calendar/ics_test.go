package calendar

import (
	"strings"
	"testing"
	"time"

	ical "github.com/arran4/golang-ical"
)

// TestICSRoundTrips writes a feed and reads it back with the iCalendar
// parser: every field, the zones (with their VTIMEZONE), an all-day event,
// a recurrence and a cancellation come back as they went.
func TestICSRoundTrips(t *testing.T) {
	meeting, err := New(Input{Title: ptr("Comité; de pilotage, \"2027\""), Description: ptr("Ordre du jour :\n1. budget\n2. suite"),
		StartTime: ptr("2027-03-02T14:00:00+01:00"), EndTime: ptr("2027-03-02T16:00:00+01:00"), Timezone: ptr("Europe/Paris"),
		Location: ptr("Préfecture, 1 rue de la Paix, Paris"), Latitude: ptr(48.8566), Longitude: ptr(2.3522),
		OnlineURL: ptr("https://visio.example/comite?x=1"), RRule: ptr("FREQ=WEEKLY;COUNT=10")})
	if err != nil {
		t.Fatal(err)
	}
	seminar, err := New(Input{Title: ptr("Séminaire"), StartTime: ptr("2027-06-10"), EndTime: ptr("2027-06-11"),
		AllDay: ptr(true), Timezone: ptr("Europe/Paris")})
	if err != nil {
		t.Fatal(err)
	}
	cancelled, err := New(Input{Title: ptr("Webinaire"), StartTime: ptr("2027-11-05T09:00:00-04:00"), Timezone: ptr("America/Montreal"),
		Status: ptr(StatusCancelled)})
	if err != nil {
		t.Fatal(err)
	}
	updated := time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC)
	feed := Feed{Name: "Groupe Numérique", URL: "https://a.example/groups/num/calendar.ics", Entries: []Entry{
		{Event: meeting, UID: "https://a.example/events/1", URL: "https://a.example/events/1", Organizer: "Groupe Numérique", Updated: updated},
		{Event: seminar, UID: "https://a.example/events/2", URL: "https://a.example/events/2", Updated: updated},
		{Event: cancelled, UID: "https://a.example/events/3", URL: "https://a.example/events/3", Updated: updated},
	}}
	text := feed.ICS()
	cal, err := ical.ParseCalendar(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	zones := map[string]*ical.VTimezone{}
	for _, z := range cal.Timezones() {
		zones[z.GetProperty(ical.ComponentPropertyTzid).Value] = z
	}
	if zones["Europe/Paris"] == nil || zones["America/Montreal"] == nil {
		t.Fatalf("VTIMEZONEs: %v", zones)
	}
	checkParisZone(t, zones["Europe/Paris"])
	events := cal.Events()
	if len(events) != 3 {
		t.Fatalf("%d events", len(events))
	}
	for i, v := range events {
		want := feed.Entries[i]
		prop := func(p ical.ComponentProperty) string {
			if got := v.GetProperty(p); got != nil {
				return got.Value
			}
			return ""
		}
		if v.Id() != want.UID || prop(ical.ComponentPropertySummary) != want.Title ||
			prop(ical.ComponentPropertyDescription) != want.Description || prop(ical.ComponentPropertyUrl) != want.URL {
			t.Errorf("event %d: uid %q summary %q description %q url %q", i, v.Id(), prop(ical.ComponentPropertySummary),
				prop(ical.ComponentPropertyDescription), prop(ical.ComponentPropertyUrl))
		}
		if got := prop(ical.ComponentPropertyStatus); got != strings.ToUpper(want.Status) {
			t.Errorf("event %d status %q", i, got)
		}
		if want.AllDay {
			s, err1 := v.GetAllDayStartAt()
			e, err2 := v.GetAllDayEndAt()
			ws, we := want.Start.In(want.Loc()), want.End.In(want.Loc())
			if err1 != nil || err2 != nil || s.Format(time.DateOnly) != ws.Format(time.DateOnly) || e.Format(time.DateOnly) != we.Format(time.DateOnly) {
				t.Errorf("all day %v %v (%v %v)", s, e, err1, err2)
			}
			if v.GetProperty(ical.ComponentPropertyDtStart).ICalParameters["VALUE"][0] != "DATE" {
				t.Error("all day without VALUE=DATE")
			}
			continue
		}
		s, err1 := v.GetStartAt()
		e, err2 := v.GetEndAt()
		if err1 != nil || err2 != nil || !s.Equal(want.Start) || !e.Equal(want.End) {
			t.Errorf("event %d: %v – %v, want %v – %v (%v %v)", i, s, e, want.Start, want.End, err1, err2)
		}
		if tz := v.GetProperty(ical.ComponentPropertyDtStart).ICalParameters["TZID"]; len(tz) != 1 || tz[0] != want.Timezone {
			t.Errorf("event %d TZID %v", i, tz)
		}
		if got := prop(ical.ComponentPropertyRrule); got != want.RRule {
			t.Errorf("event %d RRULE %q", i, got)
		}
	}
	m := events[0]
	if m.GetProperty(ical.ComponentPropertyLocation).Value != meeting.Location {
		t.Errorf("location %q", m.GetProperty(ical.ComponentPropertyLocation).Value)
	}
	if geo := m.GetProperty(ical.ComponentPropertyGeo); geo == nil || geo.Value != "48.8566;2.3522" {
		t.Errorf("geo %v", geo)
	}
	if c := m.GetProperty(ical.ComponentProperty("CONFERENCE")); c == nil || c.Value != meeting.OnlineURL {
		t.Errorf("conference %v", c)
	}
	if o := m.GetProperty(ical.ComponentPropertyOrganizer); o == nil || o.ICalParameters["CN"][0] != "Groupe Numérique" {
		t.Errorf("organizer %v", o)
	}
}

// checkParisZone: the VTIMEZONE of Europe/Paris says what the IANA
// database says: CET +0100, CEST +0200 from the last Sunday of March
// at 02:00 to the last Sunday of October at 03:00.
func checkParisZone(t *testing.T, z *ical.VTimezone) {
	t.Helper()
	var spring, autumn bool
	for _, c := range z.Components {
		switch o := c.(type) {
		case *ical.Daylight:
			if o.GetProperty(ical.ComponentPropertyDtStart).Value == "20270328T020000" &&
				o.GetProperty("TZOFFSETFROM").Value == "+0100" && o.GetProperty("TZOFFSETTO").Value == "+0200" &&
				o.GetProperty("TZNAME").Value == "CEST" {
				spring = true
			}
		case *ical.Standard:
			if o.GetProperty(ical.ComponentPropertyDtStart).Value == "20271031T030000" &&
				o.GetProperty("TZOFFSETFROM").Value == "+0200" && o.GetProperty("TZOFFSETTO").Value == "+0100" {
				autumn = true
			}
		}
	}
	if !spring || !autumn {
		t.Errorf("Europe/Paris 2027 transitions missing: spring %v autumn %v\n%s", spring, autumn, z.Serialize(nil))
	}
}
