package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/archipel-social/archipel/observatory"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

// chartBar is one bar of a chart drawn on the server as SVG.
type chartBar struct {
	X, Y, W, H float64
	Label      string
	Value      string
}

// chart is an accessible bar chart: its title and text alternative name
// it, and the page's table holds the same figures.
type chart struct {
	ID, Title, Desc string
	Width, Height   float64
	Bars            []chartBar
}

const chartWidth, chartHeight, chartBase = 640.0, 200.0, 170.0

// barChart draws one figure of each bucket; a suppressed figure is a bar of
// no height labelled "< 5".
func barChart(v *view, id, title string, buckets []observatory.Bucket, figure func(observatory.Bucket) *int) chart {
	c := chart{ID: id, Title: title, Width: chartWidth, Height: chartHeight}
	top := 1
	for _, b := range buckets {
		if n := figure(b); n != nil && *n > top {
			top = *n
		}
	}
	step := chartWidth / float64(max(len(buckets), 1))
	var alt []byte
	for i, b := range buckets {
		n := figure(b)
		bar := chartBar{X: float64(i)*step + step*0.15, W: step * 0.7, Y: chartBase, Label: b.Start,
			Value: fmt.Sprintf("< %d", observatory.Threshold)}
		if n != nil {
			bar.H = float64(*n) / float64(top) * (chartBase - 20)
			bar.Y = chartBase - bar.H
			bar.Value = strconv.Itoa(*n)
		}
		c.Bars = append(c.Bars, bar)
		if i > 0 {
			alt = append(alt, "; "...)
		}
		alt = append(alt, b.Start+": "+bar.Value...)
	}
	c.Desc = v.T("obs.chart_desc", title, string(alt))
	return c
}

type observatoryData struct {
	Heading string
	Group   *groupView
	Report  *observatory.Report
	Charts  []chart
	Export  string
	// Units are what the reader may pick (regions, departments, services),
	// Unit the one shown ("" for the whole node).
	Units []store.Unit
	Unit  string
}

// observatoryPage is the node's indicators (node admins), or a unit's
// (unit admins: their own units).
func (u *UI) observatoryPage(w http.ResponseWriter, r *http.Request) {
	acct := sessionOf(r).Account
	var scope store.ObservatoryScope
	unit := r.URL.Query().Get("unit_id")
	if unit == "" && acct.Role == store.RoleUnitAdmin && acct.UnitID != nil {
		unit = strconv.FormatInt(*acct.UnitID, 10)
	}
	switch {
	case unit != "":
		id, err := strconv.ParseInt(unit, 10, 64)
		if err != nil {
			u.errorPage(w, r, http.StatusUnprocessableEntity, "err.bad_unit", "hint.back")
			return
		}
		ids, err := u.Store.UnitSubtree(r.Context(), id)
		if err != nil || len(ids) == 0 {
			u.errorPage(w, r, http.StatusUnprocessableEntity, "err.bad_unit", "hint.back")
			return
		}
		if acct.Role != store.RoleAdmin && !u.ownsUnit(r, acct, id) {
			u.fail(w, r, outbox.ErrForbidden)
			return
		}
		scope.UnitIDs = ids
	case acct.Role != store.RoleAdmin:
		u.fail(w, r, outbox.ErrForbidden)
		return
	}
	u.renderObservatory(w, r, scope, nil)
}

func (u *UI) ownsUnit(r *http.Request, acct *store.Account, unit int64) bool {
	if acct.Role != store.RoleUnitAdmin || acct.UnitID == nil {
		return false
	}
	ids, err := u.Store.UnitSubtree(r.Context(), *acct.UnitID)
	if err != nil {
		return false
	}
	for _, id := range ids {
		if id == unit {
			return true
		}
	}
	return false
}

// groupObservatory is a group's indicators, for those who run it.
func (u *UI) groupObservatory(w http.ResponseWriter, r *http.Request) {
	gv, err := u.groupByHandle(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if !gv.CanManage || !gv.Local {
		u.fail(w, r, outbox.ErrForbidden)
		return
	}
	gv.Tab = "observatory"
	u.renderObservatory(w, r, store.ObservatoryScope{GroupIDs: []int64{gv.ID}}, gv)
}

func (u *UI) renderObservatory(w http.ResponseWriter, r *http.Request, scope store.ObservatoryScope, g *groupView) {
	v := u.newView(r, "title.observatory", "admin")
	v.Form = r.URL.Query()
	q := r.URL.Query()
	p, err := observatory.ParsePeriod(q.Get("from"), q.Get("to"), q.Get("step"), time.Now())
	var fe *observatory.FieldError
	if errors.As(err, &fe) {
		v.Errors[fe.Field] = v.T("obs.bad_" + fe.Field)
		p, _ = observatory.ParsePeriod("", "", "", time.Now())
	}
	report, err := observatory.Compute(r.Context(), u.Store, scope, p)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if q.Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="observatory.csv"`)
		_ = observatory.WriteCSV(w, report)
		return
	}
	d := observatoryData{Heading: v.T("title.observatory"), Group: g, Report: report, Unit: q.Get("unit_id")}
	if g == nil {
		d.Units = u.pickableUnits(r)
	}
	if g != nil {
		v.Nav = "groups"
		d.Heading = v.T("obs.group_heading", g.DisplayName)
	}
	export := r.URL.Query()
	export.Set("format", "csv")
	d.Export = r.URL.Path + "?" + export.Encode()
	d.Charts = []chart{
		barChart(v, "chart-active", v.T("obs.active_members"), report.Buckets, func(b observatory.Bucket) *int { return b.ActiveMembers }),
		barChart(v, "chart-posts", v.T("obs.posts"), report.Buckets, func(b observatory.Bucket) *int { return b.Posts }),
	}
	v.Data = d
	status := http.StatusOK
	if len(v.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	u.render(w, status, "observatory", v)
}

// pickableUnits are the units the reader may see the figures of: every unit
// for node admins, their own subtree for unit admins.
func (u *UI) pickableUnits(r *http.Request) []store.Unit {
	acct := sessionOf(r).Account
	all, err := u.Store.Units(r.Context())
	if err != nil || acct.Role == store.RoleAdmin {
		return all
	}
	var mine []store.Unit
	for _, unit := range all {
		if u.ownsUnit(r, acct, unit.ID) {
			mine = append(mine, unit)
		}
	}
	return mine
}
