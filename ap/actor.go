package ap

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"strings"
	"unicode"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/keys"
	"github.com/archipel-social/archipel/markup"
	"github.com/archipel-social/archipel/store"
)

// Names of the profile fields published as PropertyValue attachments. Peers
// read them back by these names, so they are part of the protocol.
const (
	FieldOrganisation = "Organisation"
	FieldUnit         = "Unit"
	FieldJobTitle     = "Job title"
	FieldTier         = "Tier"
	FieldSkills       = "Skills"
)

// skillsSeparator joins skill labels in the Skills field; labels cannot
// contain it (validation refuses it).
const skillsSeparator = " · "

// ActorDocument renders one of this node's actors. g is nil unless a is a
// Group; images are the actor's avatar and header (their Purpose says
// which), published as icon and image.
func (l Links) ActorDocument(a *store.Actor, g *store.Group, images ...*store.Media) ([]byte, error) {
	typ := vocab.ActivityVocabularyType(a.Type)
	act := &vocab.Actor{ID: vocab.ID(a.URI), Type: typ}
	act.PreferredUsername = vocab.DefaultNaturalLanguageValue(a.Username)
	if a.DisplayName != "" {
		act.Name = vocab.DefaultNaturalLanguageValue(a.DisplayName)
	}
	if a.SummaryHTML != "" {
		act.Summary = vocab.DefaultNaturalLanguageValue(a.SummaryHTML)
	}
	act.Inbox = vocab.IRI(a.Inbox)
	act.Outbox = vocab.IRI(a.Outbox)
	act.Followers = vocab.IRI(a.Followers)
	if a.Following != "" {
		act.Following = vocab.IRI(a.Following)
	}
	if a.URL != "" {
		act.URL = vocab.IRI(a.URL)
	}
	if a.Type == store.TypeApplication {
		act.URL = vocab.IRI(l.Base + "/") // older nodes stored /about, which is no page
	}
	act.Endpoints = &vocab.Endpoints{SharedInbox: vocab.IRI(l.SharedInbox())}
	act.PublicKey = vocab.PublicKey{ID: vocab.ID(a.PublicKeyID), Owner: vocab.IRI(a.URI), PublicKeyPem: a.PublicKeyPEM}
	act.Published = a.CreatedAt.UTC()
	for _, m := range images {
		img := &vocab.Object{Type: vocab.ImageType, MediaType: vocab.MimeType(m.MediaType),
			URL: vocab.IRI(l.MediaFile(m.Token, MediaOriginal, m.MediaType))}
		switch m.Purpose {
		case store.MediaAvatar:
			act.Icon = img
		case store.MediaHeader:
			act.Image = img
		}
	}

	extras := map[string]any{
		"manuallyApprovesFollowers": a.ManuallyApprovesFollowers,
		"discoverable":              a.Type != store.TypeApplication,
		"indexable":                 false,
	}
	if a.Ed25519KeyID != "" {
		// FEP-521a: the Ed25519 key peers verify our RFC 9421 signatures
		// with; publicKey keeps the RSA key for everyone else.
		extras["assertionMethod"] = []Multikey{{ID: a.Ed25519KeyID, Type: "Multikey", Controller: a.URI, PublicKeyMultibase: a.Ed25519PublicKey}}
	}
	if a.Type == store.TypePerson {
		// GoToSocial and Mastodon fetch both with every actor.
		extras["featured"] = l.Featured(a.URI)
		extras["featuredTags"] = l.FeaturedTags(a.URI)
		extras["attachment"] = profileFields(a)
		if tags := l.skillTags(a.Skills); len(tags) > 0 {
			extras["tag"] = tags
		}
	}
	if g != nil {
		// Lemmy and Mbin read the moderators from attributedTo.
		act.AttributedTo = vocab.IRI(l.Moderators(a.URI))
		extras["moderators"] = l.Moderators(a.URI)
		extras["members"] = g.MembersURI
		extras["postingRestrictedToMods"] = false
		extras["visibility"] = g.Visibility
		extras["joinPolicy"] = g.JoinPolicy
		extras["stateOnly"] = g.StateOnly
		extras["manuallyApprovesFollowers"] = g.JoinPolicy != store.JoinOpen
		extras["discoverable"] = g.Visibility == store.VisibilityPublic
	}
	return Marshal(act, extras)
}

// profileFields are written always as an array: Mastodon ignores a single
// embedded PropertyValue.
func profileFields(a *store.Actor) []PropertyValue {
	out := []PropertyValue{}
	add := func(name, value string) {
		if value != "" {
			out = append(out, PropertyValue{Type: "PropertyValue", Name: name, Value: html.EscapeString(value)})
		}
	}
	add(FieldOrganisation, a.Organisation)
	add(FieldUnit, a.UnitName)
	add(FieldJobTitle, a.JobTitle)
	add(FieldTier, a.Tier)
	add(FieldSkills, strings.Join(a.Skills, skillsSeparator))
	return out
}

func (l Links) skillTags(skills []string) []Hashtag {
	out := make([]Hashtag, 0, len(skills))
	for _, s := range skills {
		tag := HashtagName(s)
		out = append(out, Hashtag{Type: "Hashtag", Name: "#" + tag, Href: l.Tag(url.PathEscape(strings.ToLower(tag)))})
	}
	return out
}

// HashtagName turns a skill label into a hashtag Mastodon accepts: letters,
// digits and underscores only ("marchés publics" → "marchés_publics").
func HashtagName(label string) string {
	var b strings.Builder
	lastUnderscore := false
	for _, r := range label {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			lastUnderscore = false
		} else if !lastUnderscore && b.Len() > 0 {
			b.WriteByte('_')
			lastUnderscore = true
		}
	}
	return strings.TrimRight(b.String(), "_")
}

// TextToHTML turns plain text into escaped HTML paragraphs
// (markup.TextToHTML).
func TextToHTML(s string) string { return markup.TextToHTML(s) }

// Multikey is a FEP-521a public key in an actor's assertionMethod.
type Multikey struct {
	ID                 string `json:"id"`
	Type               string `json:"type"`
	Controller         string `json:"controller"`
	PublicKeyMultibase string `json:"publicKeyMultibase"`
}

// actorExtras are the fields go-ap drops, read from the same bytes.
type actorExtras struct {
	ManuallyApprovesFollowers bool               `json:"manuallyApprovesFollowers"`
	AssertionMethod           flexList[Multikey] `json:"assertionMethod"`
	Attachment                flexList[rawItem]  `json:"attachment"`
	Tag                       flexList[rawItem]  `json:"tag"`
}

type rawItem struct {
	Type  json.RawMessage `json:"type"`
	Name  string          `json:"name"`
	Value string          `json:"value"`
	Href  string          `json:"href"`
}

// flexList reads a JSON-LD property that is either one value or an array.
type flexList[T any] []T

func (f *flexList[T]) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		var list []T
		if err := json.Unmarshal(b, &list); err != nil {
			return nil // a malformed optional field is ignored, not fatal
		}
		*f = list
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err == nil {
		*f = []T{one}
	}
	return nil
}

// ErrNotActor is returned when a document is not a usable actor.
var ErrNotActor = errors.New("not an actor")

// ParseActor reads a remote actor document into a row (without ID) and its
// skills. It checks what a peer could lie about cheaply: the key belongs to
// the actor and lives on its host, and the inbox is an http(s) URL.
func ParseActor(raw []byte) (*store.Actor, error) {
	it, err := vocab.UnmarshalJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotActor, err)
	}
	if it == nil || !vocab.ActorTypes.Contains(it.GetType()) {
		return nil, ErrNotActor
	}
	act, err := vocab.ToActor(it)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotActor, err)
	}
	id, err := url.Parse(string(act.ID))
	if err != nil || (id.Scheme != "https" && id.Scheme != "http") || id.Host == "" {
		return nil, fmt.Errorf("%w: bad id %q", ErrNotActor, act.ID)
	}
	a := &store.Actor{
		URI:         string(act.ID),
		Type:        string(act.Type),
		Host:        id.Host,
		Username:    act.PreferredUsername.First().String(),
		DisplayName: markup.Text(act.Name.First().String()),
		Raw:         json.RawMessage(raw),
	}
	// The bio is HTML: made safe here, once, and kept with its plain text.
	a.SummaryHTML = markup.Sanitize(act.Summary.First().String())
	a.Summary = markup.Text(a.SummaryHTML)
	if a.Username == "" {
		a.Username = lastSegment(id.Path)
	}
	if a.Inbox, err = httpURL(act.Inbox); err != nil || a.Inbox == "" {
		return nil, fmt.Errorf("%w: inbox: %v", ErrNotActor, err)
	}
	a.Outbox, _ = httpURL(act.Outbox)
	a.Followers, _ = httpURL(act.Followers)
	a.Following, _ = httpURL(act.Following)
	a.URL, _ = httpURL(act.URL)
	if act.Endpoints != nil {
		a.SharedInbox, _ = httpURL(act.Endpoints.SharedInbox)
	}
	if pk := act.PublicKey; pk.PublicKeyPem != "" {
		keyID, err := url.Parse(string(pk.ID))
		if err != nil || keyID.Host != id.Host || (pk.Owner != "" && string(pk.Owner) != a.URI) {
			return nil, fmt.Errorf("%w: public key %q not owned by %s", ErrNotActor, pk.ID, a.URI)
		}
		a.PublicKeyID, a.PublicKeyPEM = string(pk.ID), pk.PublicKeyPem
	}
	var ext actorExtras
	_ = json.Unmarshal(raw, &ext)
	a.ManuallyApprovesFollowers = ext.ManuallyApprovesFollowers
	// The first Ed25519 Multikey the actor controls, on its own host; other
	// key types and others' keys are ignored.
	for _, k := range ext.AssertionMethod {
		kid, err := url.Parse(k.ID)
		if k.Type != "Multikey" || k.Controller != a.URI || err != nil || kid.Host != id.Host || k.ID == a.URI {
			continue
		}
		if _, err := keys.ParseEd25519Multibase(k.PublicKeyMultibase); err == nil {
			a.Ed25519KeyID, a.Ed25519PublicKey = k.ID, k.PublicKeyMultibase
			break
		}
	}
	for _, f := range ext.Attachment {
		if !hasType(f.Type, "PropertyValue") {
			continue
		}
		value := StripTags(f.Value)
		switch f.Name {
		case FieldOrganisation:
			a.Organisation = value
		case FieldUnit:
			a.UnitName = value
		case FieldJobTitle:
			a.JobTitle = value
		case FieldTier:
			a.Tier = value
		case FieldSkills:
			a.Skills = splitSkills(value)
		}
	}
	if a.Skills == nil {
		for _, t := range ext.Tag {
			if hasType(t.Type, "Hashtag") && strings.HasPrefix(t.Name, "#") && len(a.Skills) < 50 {
				a.Skills = append(a.Skills, strings.ReplaceAll(strings.TrimPrefix(t.Name, "#"), "_", " "))
			}
		}
	}
	return a, nil
}

func splitSkills(s string) []string {
	var out []string
	for _, p := range strings.Split(s, strings.TrimSpace(skillsSeparator)) {
		if p = strings.TrimSpace(p); p != "" && len(out) < 50 {
			out = append(out, p)
		}
	}
	return out
}

func hasType(raw json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		for _, t := range many {
			if t == want {
				return true
			}
		}
	}
	return false
}

func httpURL(it vocab.Item) (string, error) {
	if it == nil {
		return "", nil
	}
	s := string(it.GetLink())
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("not an http(s) URL: %q", s)
	}
	return s, nil
}

func lastSegment(p string) string {
	p = strings.TrimRight(p, "/")
	return p[strings.LastIndex(p, "/")+1:]
}

// StripTags reduces peer HTML to plain text, for fields shown as text
// (markup.Text).
func StripTags(s string) string { return markup.Text(s) }

// GroupRules are what a group's document says about joining it. Lemmy and
// Mbin groups say nothing: they are public and open.
type GroupRules struct {
	Visibility string
	JoinPolicy string
	StateOnly  bool
	Members    string
}

// ParseGroupRules reads our extension fields of a Group document.
func ParseGroupRules(raw []byte) GroupRules {
	var doc struct {
		Visibility                string `json:"visibility"`
		JoinPolicy                string `json:"joinPolicy"`
		StateOnly                 bool   `json:"stateOnly"`
		Members                   any    `json:"members"`
		ManuallyApprovesFollowers bool   `json:"manuallyApprovesFollowers"`
	}
	_ = json.Unmarshal(raw, &doc)
	r := GroupRules{Visibility: store.VisibilityPublic, JoinPolicy: store.JoinOpen, StateOnly: doc.StateOnly}
	switch doc.Visibility {
	case store.VisibilityPrivate, store.VisibilitySecret:
		r.Visibility = doc.Visibility
	}
	switch doc.JoinPolicy {
	case store.JoinApproval, store.JoinInvite:
		r.JoinPolicy = doc.JoinPolicy
	case "":
		if doc.ManuallyApprovesFollowers {
			r.JoinPolicy = store.JoinApproval
		}
	}
	if s, ok := doc.Members.(string); ok {
		r.Members = s
	}
	return r
}
