package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func valid() Input {
	return Input{Title: ptr("Réunion de service"), StartTime: ptr("2027-03-02T14:00:00+01:00"),
		EndTime: ptr("2027-03-02T16:00:00+01:00"), Timezone: ptr("Europe/Paris")}
}

func TestNewRefusesBadInputNamingTheField(t *testing.T) {
	cases := []struct {
		field string
		edit  func(*Input)
	}{
		{"end_time", func(in *Input) { in.EndTime = ptr("2027-03-02T13:00:00+01:00") }},
		{"end_time", func(in *Input) { in.EndTime = in.StartTime }},
		{"start_time", func(in *Input) { in.StartTime = ptr("1789-07-14T10:00:00Z") }},
		{"start_time", func(in *Input) { in.StartTime = ptr("2327-03-02T14:00:00Z"); in.EndTime = nil }},
		{"end_time", func(in *Input) { in.EndTime = ptr("2301-01-01T00:00:00Z") }},
		{"start_time", func(in *Input) { in.StartTime = ptr("tomorrow") }},
		{"start_time", func(in *Input) { in.StartTime = nil }},
		{"timezone", func(in *Input) { in.Timezone = ptr("Europe/Atlantis") }},
		{"timezone", func(in *Input) { in.Timezone = ptr("Local") }},
		{"rrule", func(in *Input) { in.RRule = ptr("FREQ=WEEKLY") }},
		{"rrule", func(in *Input) { in.RRule = ptr("FREQ=WEEKLY;COUNT=501") }},
		{"rrule", func(in *Input) { in.RRule = ptr("FREQ=WEEKLY;UNTIL=21000101T000000Z") }},
		{"rrule", func(in *Input) { in.RRule = ptr("FREQ=DAILY;COUNT=3") }},
		{"rrule", func(in *Input) { in.RRule = ptr("not a rule") }},
		{"capacity", func(in *Input) { in.Capacity = ptr(-1) }},
		{"online_url", func(in *Input) { in.OnlineURL = ptr("javascript:alert(1)") }},
		{"online_url", func(in *Input) { in.OnlineURL = ptr("ftp://visio.example/room") }},
		{"title", func(in *Input) { in.Title = ptr(strings.Repeat("a", 10000)) }},
		{"title", func(in *Input) { in.Title = ptr("  ") }},
		{"title", func(in *Input) { in.Title = ptr("a\x00b") }},
		{"join_mode", func(in *Input) { in.JoinMode = ptr("anyone") }},
		{"status", func(in *Input) { in.Status = ptr("postponed") }},
		{"latitude", func(in *Input) { in.Latitude = ptr(48.8) }},
		{"latitude", func(in *Input) { in.Latitude, in.Longitude = ptr(91.0), ptr(2.3) }},
	}
	for _, c := range cases {
		in := valid()
		c.edit(&in)
		_, err := New(in)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%+v: error %v, want one naming %s", in, err, c.field)
		}
	}
}

func TestNewDefaultsAndZones(t *testing.T) {
	in := valid()
	in.EndTime = nil
	ev, err := New(in)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Start != time.Date(2027, 3, 2, 13, 0, 0, 0, time.UTC) || ev.End.Sub(ev.Start) != time.Hour {
		t.Errorf("start %v end %v", ev.Start, ev.End)
	}
	if ev.JoinMode != JoinOpen || ev.Status != StatusConfirmed || ev.Capacity != 0 {
		t.Errorf("defaults %+v", ev)
	}
	// A browser's datetime-local value is read in the event's zone.
	in = valid()
	in.StartTime, in.EndTime, in.Timezone = ptr("2027-07-01T09:30"), ptr("2027-07-01T11:00"), ptr("America/Montreal")
	ev, err = New(in)
	if err != nil || ev.Start != time.Date(2027, 7, 1, 13, 30, 0, 0, time.UTC) {
		t.Errorf("local time: %v %v", ev.Start, err)
	}
	// All day: from midnight of the first day to midnight after the last.
	in = valid()
	in.AllDay, in.StartTime, in.EndTime = ptr(true), ptr("2027-03-29"), ptr("2027-03-30")
	ev, err = New(in)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Start != time.Date(2027, 3, 28, 22, 0, 0, 0, time.UTC) || ev.End != time.Date(2027, 3, 30, 22, 0, 0, 0, time.UTC) {
		t.Errorf("all day %v – %v", ev.Start, ev.End)
	}
}

func TestApplyKeepsWhatIsNotGiven(t *testing.T) {
	ev, err := New(valid())
	if err != nil {
		t.Fatal(err)
	}
	ev2, err := Input{Status: ptr(StatusCancelled)}.Apply(ev, false)
	if err != nil || ev2.Status != StatusCancelled || ev2.Start != ev.Start || ev2.End != ev.End || ev2.Title != ev.Title {
		t.Fatalf("%+v %v", ev2, err)
	}
	if _, err := (Input{EndTime: ptr("2027-03-01T10:00:00Z")}).Apply(ev, false); err == nil {
		t.Error("an edit moved the end before the start")
	}
}

func TestRecurrenceKeepsWallClockAcrossDST(t *testing.T) {
	in := valid()
	in.RRule = ptr("FREQ=WEEKLY;COUNT=6")
	in.StartTime, in.EndTime = ptr("2027-03-16T14:00:00+01:00"), ptr("2027-03-16T15:00:00+01:00")
	ev, err := New(in)
	if err != nil {
		t.Fatal(err)
	}
	occ := ev.Occurrences(time.Time{}, time.Time{})
	if len(occ) != 6 {
		t.Fatalf("%d occurrences", len(occ))
	}
	paris := ev.Loc()
	for _, o := range occ {
		if l := o.Start.In(paris); l.Hour() != 14 || o.End.Sub(o.Start) != time.Hour {
			t.Errorf("occurrence %v", l)
		}
	}
	// Only what overlaps the window.
	got := ev.Occurrences(time.Date(2027, 3, 25, 0, 0, 0, 0, time.UTC), time.Date(2027, 4, 5, 0, 0, 0, 0, time.UTC))
	if len(got) != 1 || got[0].Start != time.Date(2027, 3, 30, 12, 0, 0, 0, time.UTC) {
		t.Errorf("window: %v", got)
	}
	monthly := valid()
	monthly.RRule = ptr("FREQ=MONTHLY;BYDAY=1TU;UNTIL=20271231T235959Z")
	ev, err = New(monthly)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ev.Occurrences(time.Time{}, time.Time{})); n != 10 {
		t.Errorf("first Tuesdays March–December: %d", n)
	}
}

func TestFormatRange(t *testing.T) {
	paris, _ := Zone("Europe/Paris")
	s := time.Date(2027, 3, 2, 13, 0, 0, 0, time.UTC)
	if got := FormatRange(s, s.Add(2*time.Hour), false, paris, "fr"); got != "mardi 2 mars 2027, 14 h 00 – 16 h 00" {
		t.Errorf("fr: %q", got)
	}
	if got := FormatRange(s, s.Add(2*time.Hour), false, paris, "en"); got != "Tuesday 2 March 2027, 2:00 pm – 4:00 pm" {
		t.Errorf("en: %q", got)
	}
	first := time.Date(2027, 3, 31, 22, 0, 0, 0, time.UTC)
	if got := FormatRange(first, first.Add(48*time.Hour), true, paris, "fr"); got != "jeudi 1er avril 2027 – vendredi 2 avril 2027" {
		t.Errorf("all day: %q", got)
	}
}
