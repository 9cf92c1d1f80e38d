package calendar

import (
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// Recurrence parses the event's RRULE, anchored at its start in its zone
// (so a weekly meeting at 14:00 stays at 14:00 across daylight saving
// time). Only weekly and monthly rules are taken (the common cases,
// what calendar software offers), and only rules that end (COUNT or
// UNTIL) within MaxOccurrences occurrences.
func (ev Event) Recurrence() (*rrule.RRule, error) {
	if ev.RRule == "" {
		return nil, nil
	}
	if len(ev.RRule) > 500 {
		return nil, fieldErr("rrule", "at most 500 characters")
	}
	loc := ev.Loc()
	opt, err := rrule.StrToROptionInLocation(ev.RRule, loc)
	if err != nil {
		return nil, fieldErr("rrule", "not an RRULE (RFC 5545), such as FREQ=WEEKLY;COUNT=10")
	}
	if opt.Freq != rrule.WEEKLY && opt.Freq != rrule.MONTHLY {
		return nil, fieldErr("rrule", "only weekly and monthly recurrences (FREQ=WEEKLY or FREQ=MONTHLY)")
	}
	if opt.Count == 0 && opt.Until.IsZero() {
		return nil, fieldErr("rrule", "a recurrence must end: give COUNT or UNTIL")
	}
	if !opt.Until.IsZero() && opt.Until.Year() > LastYear {
		return nil, fieldErr("rrule", "UNTIL: dates go from %d to %d", FirstYear, LastYear)
	}
	if strings.Contains(strings.ToUpper(ev.RRule), "DTSTART") {
		return nil, fieldErr("rrule", "the rule starts with the event: no DTSTART")
	}
	opt.Dtstart = ev.Start.In(loc)
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return nil, fieldErr("rrule", "%v", err)
	}
	n := 0
	for next := r.Iterator(); ; n++ {
		if _, ok := next(); !ok {
			break
		}
		if n >= MaxOccurrences {
			return nil, fieldErr("rrule", "expands to more than %d occurrences", MaxOccurrences)
		}
	}
	return r, nil
}

// Occurrence is one sitting of an event.
type Occurrence struct{ Start, End time.Time }

// Occurrences are the sittings of an event that overlap [from, to): the
// event itself, or each recurrence. A zero from or to is unbounded.
func (ev Event) Occurrences(from, to time.Time) []Occurrence {
	length := ev.End.Sub(ev.Start)
	overlaps := func(s time.Time) bool {
		return (to.IsZero() || s.Before(to)) && (from.IsZero() || s.Add(length).After(from))
	}
	r, err := ev.Recurrence()
	if err != nil || r == nil {
		if overlaps(ev.Start) {
			return []Occurrence{{ev.Start, ev.End}}
		}
		return nil
	}
	var out []Occurrence
	for _, s := range r.All() {
		if overlaps(s) {
			if ev.AllDay {
				// Whole days in the zone, even across a clock change.
				ls := s.In(ev.Loc())
				days := int(length.Hours()+12) / 24
				out = append(out, Occurrence{s.UTC(), ls.AddDate(0, 0, days).UTC()})
				continue
			}
			out = append(out, Occurrence{s.UTC(), s.Add(length).UTC()})
		}
	}
	return out
}

// LastEnd is when the last sitting ends.
func (ev Event) LastEnd() time.Time {
	occ := ev.Occurrences(time.Time{}, time.Time{})
	if len(occ) == 0 {
		return ev.End
	}
	return occ[len(occ)-1].End
}
