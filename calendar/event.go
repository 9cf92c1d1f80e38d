// Package calendar holds the rules of events: what a valid event is (dates,
// time zone, recurrence, capacity, links), how a recurrence expands, how
// times read in French and English, and how events are written as
// iCalendar (RFC 5545). It imports no HTTP and no SQL.
package calendar

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	_ "time/tzdata" // every IANA zone, whatever the host has
	"unicode/utf8"
)

// Limits of an event's fields.
const (
	MaxTitle       = 200
	MaxDescription = 20000
	MaxLocation    = 500
	MaxOnlineURL   = 2000
	MaxCapacity    = 100000
	// MaxOccurrences bounds what one recurrence may expand to.
	MaxOccurrences = 500
	// FirstYear and LastYear bound the dates an event may have: anything
	// outside is a typing mistake (a date in another century).
	FirstYear = 1900
	LastYear  = 2200
	// DefaultZone is the zone of an event that names none, and the zone
	// times are shown in to a reader who has none.
	DefaultZone = "Europe/Paris"
)

// Join modes: anyone may take part, an animator approves each participant,
// or only those invited.
const (
	JoinOpen       = "open"
	JoinApproval   = "approval"
	JoinInvitation = "invitation"
)

// Statuses (iCalendar's STATUS of a VEVENT).
const (
	StatusConfirmed = "confirmed"
	StatusTentative = "tentative"
	StatusCancelled = "cancelled"
)

// FieldError names the input that is wrong.
type FieldError struct{ Field, Message string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Event is a valid event: times in UTC, the zone it is held in, and its
// rules. An all-day event starts at midnight of its first day and ends at
// midnight after its last, in its zone.
type Event struct {
	Title       string
	Description string
	Start, End  time.Time
	Timezone    string
	AllDay      bool
	Location    string
	Latitude    *float64
	Longitude   *float64
	OnlineURL   string
	// Capacity is the number of participants; 0 is no limit.
	Capacity int
	JoinMode string
	Status   string
	// RRule is a recurrence (RFC 5545 RRULE value, without "RRULE:"), or "".
	RRule string
}

// Input is an event as a person or a script types it. Nil fields are
// "not given": on creation they take their default, on an edit they keep
// the event's value.
type Input struct {
	Title       *string  `json:"title"`
	Description *string  `json:"description"`
	StartTime   *string  `json:"start_time"`
	EndTime     *string  `json:"end_time"`
	Timezone    *string  `json:"timezone"`
	AllDay      *bool    `json:"all_day"`
	Location    *string  `json:"location"`
	Latitude    *float64 `json:"latitude"`
	Longitude   *float64 `json:"longitude"`
	OnlineURL   *string  `json:"online_url"`
	Capacity    *int     `json:"capacity"`
	JoinMode    *string  `json:"join_mode"`
	Status      *string  `json:"status"`
	RRule       *string  `json:"rrule"`
}

// New checks an input for a new event.
func New(in Input) (Event, error) {
	return in.Apply(Event{Timezone: DefaultZone, JoinMode: JoinOpen, Status: StatusConfirmed}, true)
}

// Apply checks an input and applies it to an event (an edit). Every rule is
// checked on the result, so an edit cannot make an event invalid.
func (in Input) Apply(ev Event, creating bool) (Event, error) {
	if in.Title != nil {
		ev.Title = strings.TrimSpace(*in.Title)
	}
	if err := checkText("title", ev.Title, MaxTitle); err != nil {
		return ev, err
	}
	if ev.Title == "" {
		return ev, fieldErr("title", "a title is required")
	}
	if in.Description != nil {
		ev.Description = strings.TrimSpace(*in.Description)
	}
	if err := checkText("description", ev.Description, MaxDescription); err != nil {
		return ev, err
	}
	if in.Location != nil {
		ev.Location = strings.TrimSpace(*in.Location)
	}
	if err := checkText("location", ev.Location, MaxLocation); err != nil {
		return ev, err
	}
	if in.Timezone != nil {
		ev.Timezone = strings.TrimSpace(*in.Timezone)
		if ev.Timezone == "" {
			ev.Timezone = DefaultZone
		}
	}
	loc, err := Zone(ev.Timezone)
	if err != nil {
		return ev, fieldErr("timezone", "unknown time zone %q (an IANA name such as Europe/Paris)", ev.Timezone)
	}
	if in.AllDay != nil {
		ev.AllDay = *in.AllDay
	}
	if creating && in.StartTime == nil {
		return ev, fieldErr("start_time", "a start time is required")
	}
	if in.StartTime != nil {
		if ev.Start, err = parseTime("start_time", *in.StartTime, loc, ev.AllDay, false); err != nil {
			return ev, err
		}
	}
	switch {
	case in.EndTime != nil && strings.TrimSpace(*in.EndTime) != "":
		if ev.End, err = parseTime("end_time", *in.EndTime, loc, ev.AllDay, true); err != nil {
			return ev, err
		}
	case creating || in.EndTime != nil:
		// No end: an hour, or the whole day.
		ev.End = ev.Start.Add(time.Hour)
		if ev.AllDay {
			ev.End = ev.Start.In(loc).AddDate(0, 0, 1).UTC()
		}
	}
	if !ev.End.After(ev.Start) {
		return ev, fieldErr("end_time", "the end must come after the start")
	}
	if ev.End.Year() > LastYear {
		return ev, fieldErr("end_time", "dates go from %d to %d", FirstYear, LastYear)
	}
	if in.Latitude != nil {
		ev.Latitude = in.Latitude
	}
	if in.Longitude != nil {
		ev.Longitude = in.Longitude
	}
	if (ev.Latitude == nil) != (ev.Longitude == nil) {
		return ev, fieldErr("latitude", "give both latitude and longitude, or neither")
	}
	if ev.Latitude != nil && (*ev.Latitude < -90 || *ev.Latitude > 90) {
		return ev, fieldErr("latitude", "between -90 and 90")
	}
	if ev.Longitude != nil && (*ev.Longitude < -180 || *ev.Longitude > 180) {
		return ev, fieldErr("longitude", "between -180 and 180")
	}
	if in.OnlineURL != nil {
		ev.OnlineURL = strings.TrimSpace(*in.OnlineURL)
	}
	if err := CheckLink(ev.OnlineURL); err != nil {
		return ev, fieldErr("online_url", "%v", err)
	}
	if in.Capacity != nil {
		ev.Capacity = *in.Capacity
	}
	if ev.Capacity < 0 || ev.Capacity > MaxCapacity {
		return ev, fieldErr("capacity", "from 0 (no limit) to %d", MaxCapacity)
	}
	if in.JoinMode != nil {
		ev.JoinMode = strings.TrimSpace(*in.JoinMode)
	}
	switch ev.JoinMode {
	case JoinOpen, JoinApproval, JoinInvitation:
	default:
		return ev, fieldErr("join_mode", "open, approval or invitation")
	}
	if in.Status != nil {
		ev.Status = strings.TrimSpace(*in.Status)
	}
	switch ev.Status {
	case StatusConfirmed, StatusTentative, StatusCancelled:
	default:
		return ev, fieldErr("status", "confirmed, tentative or cancelled")
	}
	if in.RRule != nil {
		ev.RRule = strings.TrimPrefix(strings.TrimSpace(*in.RRule), "RRULE:")
	}
	if ev.RRule != "" {
		if _, err := ev.Recurrence(); err != nil {
			return ev, err
		}
	}
	return ev, nil
}

func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return fieldErr(field, "must be UTF-8 text without NUL characters")
	}
	if utf8.RuneCountInString(s) > max {
		return fieldErr(field, "at most %d characters", max)
	}
	return nil
}

// CheckLink accepts "" or an absolute http(s) URL.
func CheckLink(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > MaxOnlineURL {
		return fmt.Errorf("at most %d characters", MaxOnlineURL)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("an http:// or https:// address")
	}
	return nil
}

// Zone loads an IANA time zone; "Local" and "" are refused (they mean
// the server's zone, which no one chose).
func Zone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return time.LoadLocation(name)
}

// Loc is the event's zone (DefaultZone when it cannot be loaded, which a
// checked event never has).
func (ev Event) Loc() *time.Location {
	loc, err := Zone(ev.Timezone)
	if err != nil {
		loc, _ = time.LoadLocation(DefaultZone)
	}
	return loc
}

// parseTime reads RFC 3339, or a date alone (YYYY-MM-DD) or a local time
// without offset (YYYY-MM-DDTHH:MM, what a browser's datetime-local input
// sends), both in the event's zone. For an all-day event only the date
// counts; an all-day end is its last day, so it ends at the next midnight.
func parseTime(field, s string, loc *time.Location, allDay, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	var t time.Time
	var err error
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if layout == time.RFC3339 {
			t, err = time.Parse(layout, s)
		} else {
			t, err = time.ParseInLocation(layout, s, loc)
		}
		if err == nil {
			break
		}
	}
	if err != nil {
		return time.Time{}, fieldErr(field, "a date and time as RFC 3339 (2027-03-02T14:00:00+01:00)")
	}
	if t.Year() < FirstYear || t.Year() > LastYear {
		return time.Time{}, fieldErr(field, "dates go from %d to %d", FirstYear, LastYear)
	}
	if allDay {
		// The day as written, whatever offset came with it.
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		if end {
			day = day.AddDate(0, 0, 1)
		}
		return day.UTC(), nil
	}
	return t.UTC(), nil
}
