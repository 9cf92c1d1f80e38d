package calendar

import (
	"fmt"
	"time"
)

var (
	frDays   = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
		"octobre", "novembre", "décembre"}
)

// FormatDay writes a date in the reader's language: « mardi 3 mars 2027 »,
// "Tuesday 3 March 2027".
func FormatDay(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("Monday 2 January 2006")
	}
	day := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s %s %s %d", frDays[t.Weekday()], day, frMonths[t.Month()-1], t.Year())
}

// FormatClock writes a time of day: « 14 h 00 », "2:00 pm".
func FormatClock(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("3:04 pm")
	}
	return fmt.Sprintf("%d h %02d", t.Hour(), t.Minute())
}

// FormatRange writes a sitting in the reader's zone and language, French
// style: « mardi 3 mars 2027, 14 h 00 – 16 h 00 »; across days, both days;
// an all-day event shows its days only (its end is the midnight after its
// last day).
func FormatRange(start, end time.Time, allDay bool, loc *time.Location, lang string) string {
	s, e := start.In(loc), end.In(loc)
	if allDay {
		last := e.AddDate(0, 0, -1)
		if sameDay(s, last) || !last.After(s) {
			return FormatDay(s, lang)
		}
		return FormatDay(s, lang) + " – " + FormatDay(last, lang)
	}
	if sameDay(s, e) {
		return FormatDay(s, lang) + ", " + FormatClock(s, lang) + " – " + FormatClock(e, lang)
	}
	return FormatDay(s, lang) + ", " + FormatClock(s, lang) + " – " + FormatDay(e, lang) + ", " + FormatClock(e, lang)
}

func sameDay(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}
