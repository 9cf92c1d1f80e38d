package ap

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/archipel-social/archipel/calendar"
	"github.com/archipel-social/archipel/markup"
	"github.com/archipel-social/archipel/store"
)

// EventURI is the id of a local event (also its page).
func (l Links) EventURI(id int64) string { return l.Base + "/events/" + strconv.FormatInt(id, 10) }

// Mobilizon's join modes (EventJoinOptions): free, restricted (an
// organiser approves), invite.
var (
	joinModeToMobilizon   = map[string]string{calendar.JoinOpen: "free", calendar.JoinApproval: "restricted", calendar.JoinInvitation: "invite"}
	joinModeFromMobilizon = map[string]string{"free": calendar.JoinOpen, "restricted": calendar.JoinApproval, "invite": calendar.JoinInvitation,
		"external": calendar.JoinOpen}
)

// onlineLinkName is the name Mobilizon gives the attachment that holds an
// event's online address.
const onlineLinkName = "Website"

// EventDocument renders an event the way Mobilizon's event converter
// (lib/federation/activity_stream/converter/event.ex) does: startTime and
// endTime in the event's own offset, timezone, location as a Place with a
// PostalAddress, the online link as a Link attachment named "Website",
// joinMode, maximumAttendeeCapacity, remainingAttendeeCapacity,
// participantCount, ical:status (and status, Mobilizon 5's name), the group
// as attributedTo and audience, the organiser as actor. The recurrence
// travels as ical:rrule and all-day as allDay, which Mobilizon ignores.
func EventDocument(e *store.Event, organizer, group *store.Actor, addr Addressing) (json.RawMessage, error) {
	loc := e.Loc()
	doc := map[string]any{
		"id":                            e.URI,
		"type":                          store.TypeEvent,
		"url":                           e.URI,
		"name":                          e.Title,
		"content":                       e.Content,
		"mediaType":                     "text/html",
		"source":                        map[string]string{"content": e.Description, "mediaType": "text/plain"},
		"startTime":                     e.Start.In(loc).Format(time.RFC3339),
		"endTime":                       e.End.In(loc).Format(time.RFC3339),
		"timezone":                      e.Timezone,
		"allDay":                        e.AllDay,
		"joinMode":                      joinModeToMobilizon[e.JoinMode],
		"participantCount":              e.ParticipantCount,
		"ical:status":                   strings.ToUpper(e.Status),
		"status":                        strings.ToUpper(e.Status),
		"isOnline":                      e.OnlineURL != "",
		"actor":                         organizer.URI,
		"published":                     e.Published.UTC().Format(time.RFC3339),
		"commentsEnabled":               false,
		"anonymousParticipationEnabled": false,
	}
	if group != nil {
		doc["attributedTo"] = group.URI
		doc["audience"] = group.URI
	} else {
		doc["attributedTo"] = organizer.URI
	}
	if len(addr.To) > 0 {
		doc["to"] = addr.To
	}
	if len(addr.CC) > 0 {
		doc["cc"] = addr.CC
	}
	if e.Updated != nil {
		doc["updated"] = e.Updated.UTC().Format(time.RFC3339)
	}
	if e.Capacity > 0 {
		doc["maximumAttendeeCapacity"] = e.Capacity
		doc["remainingAttendeeCapacity"] = max(e.Capacity-e.ParticipantCount, 0)
	}
	if e.RRule != "" {
		doc["ical:rrule"] = e.RRule
	}
	if e.CountedAt != nil {
		doc["participantsCountedAt"] = e.CountedAt.UTC().Format(time.RFC3339Nano)
	}
	if e.Location != "" || e.Latitude != nil {
		place := map[string]any{"type": "Place", "name": e.Location,
			"address": map[string]any{"type": "PostalAddress", "streetAddress": e.Location}}
		if e.Latitude != nil && e.Longitude != nil {
			place["latitude"], place["longitude"] = *e.Latitude, *e.Longitude
		}
		doc["location"] = place
	}
	if e.OnlineURL != "" {
		doc["attachment"] = []any{map[string]string{"type": "Link", "href": e.OnlineURL, "mediaType": "text/html", "name": onlineLinkName}}
	}
	return json.Marshal(doc)
}

// RemoteEvent is what a peer's Event says, checked by the calendar rules.
type RemoteEvent struct {
	URI          string
	Organizer    string // the actor who organises it (Mobilizon's "actor")
	AttributedTo string
	Audience     []string
	ContentHTML  string
	Event        calendar.Event
	// ParticipantCount is what the group's node counts.
	ParticipantCount int
	// CountedAt is when the group's node counted (ours say; nil otherwise).
	CountedAt *time.Time
	Updated   *time.Time
	Published time.Time
}

// ParseEvent reads a peer's Event, Mobilizon's or ours. The description
// goes through the one HTML policy; times, zone, recurrence, capacity and
// links must pass the same rules as a local event.
func ParseEvent(raw []byte) (*RemoteEvent, error) {
	var doc struct {
		ID           string          `json:"id"`
		Type         string          `json:"type"`
		Name         string          `json:"name"`
		Content      string          `json:"content"`
		Source       json.RawMessage `json:"source"`
		StartTime    string          `json:"startTime"`
		EndTime      string          `json:"endTime"`
		Timezone     string          `json:"timezone"`
		AllDay       bool            `json:"allDay"`
		JoinMode     string          `json:"joinMode"`
		Capacity     *float64        `json:"maximumAttendeeCapacity"`
		Count        *float64        `json:"participantCount"`
		ICalStatus   string          `json:"ical:status"`
		Status       string          `json:"status"`
		RRule        string          `json:"ical:rrule"`
		Actor        json.RawMessage `json:"actor"`
		AttributedTo json.RawMessage `json:"attributedTo"`
		Audience     json.RawMessage `json:"audience"`
		Published    *time.Time      `json:"published"`
		Updated      *time.Time      `json:"updated"`
		CountedAt    *time.Time      `json:"participantsCountedAt"`
		Location     *struct {
			Name      string   `json:"name"`
			Latitude  *float64 `json:"latitude"`
			Longitude *float64 `json:"longitude"`
			Address   *struct {
				Street   string `json:"streetAddress"`
				Postal   string `json:"postalCode"`
				Locality string `json:"addressLocality"`
				Region   string `json:"addressRegion"`
				Country  string `json:"addressCountry"`
			} `json:"address"`
		} `json:"location"`
		Attachment json.RawMessage `json:"attachment"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("malformed event: %w", err)
	}
	if doc.Type != store.TypeEvent || doc.ID == "" {
		return nil, fmt.Errorf("not an Event")
	}
	status := strings.ToLower(doc.Status)
	if status == "" {
		status = strings.ToLower(doc.ICalStatus)
	}
	if status == "" {
		status = calendar.StatusConfirmed
	}
	joinMode, ok := joinModeFromMobilizon[doc.JoinMode]
	if !ok {
		joinMode = calendar.JoinOpen
	}
	capacity := 0
	if doc.Capacity != nil {
		capacity = int(*doc.Capacity)
	}
	text := markup.Text(markup.Sanitize(doc.Content))
	var src struct{ Content, MediaType string }
	if json.Unmarshal(doc.Source, &src) == nil && src.Content != "" && src.MediaType == "text/plain" {
		text = src.Content
	}
	in := calendar.Input{Title: &doc.Name, Description: &text, StartTime: &doc.StartTime, EndTime: &doc.EndTime,
		AllDay: &doc.AllDay, Capacity: &capacity, JoinMode: &joinMode, Status: &status, RRule: &doc.RRule}
	if doc.Timezone != "" {
		in.Timezone = &doc.Timezone
	} else if t, err := time.Parse(time.RFC3339, doc.StartTime); err == nil && t.Location() == time.UTC {
		utc := "UTC"
		in.Timezone = &utc
	}
	if doc.Location != nil {
		place := doc.Location.Name
		if a := doc.Location.Address; a != nil {
			parts := []string{}
			for _, p := range []string{a.Street, strings.TrimSpace(a.Postal + " " + a.Locality), a.Region, a.Country} {
				if p != "" && !strings.Contains(place, p) {
					parts = append(parts, p)
				}
			}
			if len(parts) > 0 {
				place = strings.TrimPrefix(place+", "+strings.Join(parts, ", "), ", ")
			}
		}
		in.Location = &place
		in.Latitude, in.Longitude = doc.Location.Latitude, doc.Location.Longitude
	}
	var links []struct {
		Type, Href, Name, MediaType string
	}
	if json.Unmarshal(doc.Attachment, &links) != nil {
		var one struct{ Type, Href, Name, MediaType string }
		if json.Unmarshal(doc.Attachment, &one) == nil {
			links = append(links, one)
		}
	}
	for _, l := range links {
		if l.Type == "Link" && l.Name == onlineLinkName {
			href := l.Href
			in.OnlineURL = &href
		}
	}
	ev, err := calendar.New(in)
	if err != nil {
		return nil, err
	}
	r := &RemoteEvent{URI: doc.ID, Organizer: refOf(doc.Actor), AttributedTo: refOf(doc.AttributedTo),
		ContentHTML: markup.Sanitize(doc.Content), Event: ev, Updated: doc.Updated}
	if r.Organizer == "" {
		r.Organizer = r.AttributedTo
	}
	if doc.Published != nil {
		r.Published = *doc.Published
	}
	r.CountedAt = doc.CountedAt
	if doc.Count != nil && *doc.Count >= 0 {
		r.ParticipantCount = int(*doc.Count)
	}
	if a := refOf(doc.Audience); a != "" {
		r.Audience = []string{a}
	}
	return r, nil
}
