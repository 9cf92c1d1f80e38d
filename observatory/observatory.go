// Package observatory measures collaborative practice (issue 19, the first
// recommendation of the interministerial working group) with aggregates
// only: per group, per unit and per node, by week or month. Privacy is by
// construction: a figure about fewer than Threshold people is not shown
// (null, and named in the bucket's "suppressed" list; "< 5" in pages and
// CSV), nor any figure that a subtraction would recover it from; and an
// agent who left the observatory is counted nowhere.
package observatory

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/archipel-social/archipel/store"
)

// Threshold is the fewest people a figure may be about.
const Threshold = 5

// Steps.
const (
	StepWeek  = "week"
	StepMonth = "month"
)

// maxSpan bounds a period (a report of 5 years by week is 260 buckets).
const maxSpan = 5 * 366 * 24 * time.Hour

// FieldError is bad input, named by its field.
type FieldError struct{ Field, Message string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Period is what a report covers: the buckets from From (rounded down to
// its week or month, in Paris time) up to To.
type Period struct {
	From, To time.Time
	Step     string
}

var paris = mustZone("Europe/Paris")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// ParsePeriod reads from, to (YYYY-MM-DD or RFC 3339; default the last 12
// weeks or months) and step (week or month; default month).
func ParsePeriod(from, to, step string, now time.Time) (Period, error) {
	p := Period{Step: step}
	if p.Step == "" {
		p.Step = StepMonth
	}
	if p.Step != StepWeek && p.Step != StepMonth {
		return p, &FieldError{"step", "must be week or month"}
	}
	var err error
	if p.To, err = parseTime("to", to, now); err != nil {
		return p, err
	}
	def := p.To.AddDate(0, -12, 0)
	if p.Step == StepWeek {
		def = p.To.AddDate(0, 0, -7*12)
	}
	if p.From, err = parseTime("from", from, def); err != nil {
		return p, err
	}
	switch {
	case !p.From.Before(p.To):
		return p, &FieldError{"from", "must be before to"}
	case p.To.Sub(p.From) > maxSpan:
		return p, &FieldError{"from", "a period covers at most 5 years"}
	case p.From.Year() < 2000 || p.To.Year() > 2200:
		return p, &FieldError{"from", "out of range"}
	}
	return p, nil
}

func parseTime(field, s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, paris); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, &FieldError{field, "a date (YYYY-MM-DD) or an RFC 3339 time"}
	}
	return t, nil
}

// starts lists the buckets' first instants.
func (p Period) starts() []time.Time {
	f := p.From.In(paris)
	var t time.Time
	if p.Step == StepMonth {
		t = time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, paris)
	} else {
		t = time.Date(f.Year(), f.Month(), f.Day()-(int(f.Weekday())+6)%7, 0, 0, 0, 0, paris)
	}
	var out []time.Time
	for ; t.Before(p.To); t = p.next(t) {
		out = append(out, t)
	}
	return out
}

func (p Period) next(t time.Time) time.Time {
	if p.Step == StepMonth {
		return t.AddDate(0, 1, 0)
	}
	return t.AddDate(0, 0, 7)
}

// interval is the step as PostgreSQL reads it. A month bucket's end is
// computed in UTC by PostgreSQL: a month is a month in both.
func (p Period) interval() string {
	if p.Step == StepMonth {
		return "1 month"
	}
	return "7 days"
}

// Bucket is one week or month of a report. A nil figure is suppressed.
type Bucket struct {
	Start              string          `json:"start"`
	End                string          `json:"end"`
	ActiveMembers      *int            `json:"active_members"`
	NewMembers         *int            `json:"new_members"`
	DepartedMembers    *int            `json:"departed_members"`
	Posts              *int            `json:"posts"`
	Replies            *int            `json:"replies"`
	Likes              *int            `json:"likes"`
	Documents          *int            `json:"documents"`
	Versions           *int            `json:"versions"`
	RemoteShare        *float64        `json:"remote_share"`
	Tiers              map[string]*int `json:"tiers"`
	MedianReplyMinutes *float64        `json:"median_first_reply_minutes"`
	UnansweredShare    *float64        `json:"unanswered_share"`
	// Suppressed names the figures hidden because they are about fewer
	// than Threshold people.
	Suppressed []string `json:"suppressed"`
}

// Report is a scope's indicators over a period.
type Report struct {
	From      string   `json:"from"`
	To        string   `json:"to"`
	Step      string   `json:"step"`
	Threshold int      `json:"threshold"`
	Buckets   []Bucket `json:"buckets"`
}

// Tiers in the order reports show them.
var Tiers = []string{store.TierState, store.TierPublic, store.TierPartner}

// Compute measures scope over p.
func Compute(ctx context.Context, s *store.Store, scope store.ObservatoryScope, p Period) (*Report, error) {
	starts := p.starts()
	raw, err := s.ObservatoryFigures(ctx, scope, starts, p.interval())
	if err != nil {
		return nil, err
	}
	r := &Report{From: p.From.Format(time.RFC3339), To: p.To.Format(time.RFC3339), Step: p.Step, Threshold: Threshold}
	for i, b := range raw {
		r.Buckets = append(r.Buckets, protect(b, p.next(starts[i])))
	}
	return r, nil
}

// protect turns raw figures into what may be shown.
func protect(b store.ObservatoryBucket, end time.Time) Bucket {
	out := Bucket{Start: b.Start.In(paris).Format("2006-01-02"), End: end.In(paris).Format("2006-01-02"),
		Tiers: map[string]*int{}, Suppressed: []string{}}
	hide := func(name string) { out.Suppressed = append(out.Suppressed, name) }
	people := func(name string, n int) *int {
		if n > 0 && n < Threshold {
			hide(name)
			return nil
		}
		return &n
	}
	out.NewMembers = people("new_members", b.New)
	out.DepartedMembers = people("departed_members", b.Departed)
	out.ActiveMembers = people("active_members", b.Active)
	if out.ActiveMembers == nil {
		// Every activity figure of the bucket is about those few people.
		for _, name := range []string{"posts", "replies", "likes", "documents", "versions", "remote_share", "tiers",
			"median_first_reply_minutes", "unanswered_share"} {
			hide(name)
		}
		return out
	}
	out.Posts, out.Replies, out.Likes, out.Documents, out.Versions = &b.Posts, &b.Replies, &b.Likes, &b.Documents, &b.Versions
	if b.Actions > 0 {
		out.RemoteShare = ratio(b.RemoteActions, b.Actions)
	}
	out.MedianReplyMinutes = b.MedianReplyMinutes
	if b.MedianReplyMinutes != nil {
		m := math.Round(*b.MedianReplyMinutes)
		out.MedianReplyMinutes = &m
	}
	if b.Questions > 0 {
		out.UnansweredShare = ratio(b.Unanswered, b.Questions)
	}
	out.Tiers = protectTiers(b.Tiers, b.Active, hide)
	return out
}

// protectTiers hides each tier count under the threshold, and then, if
// only one is hidden, the smallest other one too: otherwise the active
// total minus the shown tiers would give the hidden one back.
func protectTiers(tiers map[string]int, active int, hide func(string)) map[string]*int {
	out := map[string]*int{}
	var hidden []string
	for _, t := range Tiers {
		n := tiers[t]
		if n > 0 && n < Threshold {
			hidden = append(hidden, t)
			continue
		}
		out[t] = &n
	}
	if len(hidden) == 1 {
		var shown []string
		for _, t := range Tiers {
			if out[t] != nil && *out[t] > 0 {
				shown = append(shown, t)
			}
		}
		sort.Slice(shown, func(i, j int) bool { return *out[shown[i]] < *out[shown[j]] })
		if len(shown) > 0 {
			hidden = append(hidden, shown[0])
		}
	}
	for _, t := range hidden {
		out[t] = nil
		hide("tiers." + t)
	}
	return out
}

func ratio(n, of int) *float64 {
	r := math.Round(float64(n)/float64(of)*1000) / 1000
	return &r
}

// WriteCSV writes a report as CSV, one row per bucket, "< 5" for what is
// suppressed.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	header := []string{"start", "end", "active_members", "new_members", "departed_members", "posts", "replies", "likes",
		"documents", "versions", "remote_share", "tier_state", "tier_public", "tier_partner",
		"median_first_reply_minutes", "unanswered_share"}
	if err := cw.Write(header); err != nil {
		return err
	}
	hidden := fmt.Sprintf("< %d", Threshold)
	count := func(n *int) string {
		if n == nil {
			return hidden
		}
		return strconv.Itoa(*n)
	}
	share := func(f *float64, suppressed bool) string {
		switch {
		case suppressed:
			return hidden
		case f == nil:
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	for _, b := range r.Buckets {
		few := b.ActiveMembers == nil
		row := []string{b.Start, b.End, count(b.ActiveMembers), count(b.NewMembers), count(b.DepartedMembers),
			count(b.Posts), count(b.Replies), count(b.Likes), count(b.Documents), count(b.Versions), share(b.RemoteShare, few)}
		for _, t := range Tiers {
			row = append(row, count(b.Tiers[t]))
		}
		row = append(row, share(b.MedianReplyMinutes, few), share(b.UnansweredShare, few))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
