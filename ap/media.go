package ap

import (
	"encoding/json"
	"math"
	"net/url"
	"strings"

	"github.com/archipel-social/archipel/markup"
	"github.com/archipel-social/archipel/store"
)

// attachment is a picture of a post as Mastodon and GoToSocial write it:
// an Image (Document for what is not a picture) with its type, URL, alt
// text (name), blurhash, size and focal point.
type attachment struct {
	Type       string     `json:"type"`
	MediaType  string     `json:"mediaType,omitempty"`
	URL        string     `json:"url"`
	Name       *string    `json:"name"`
	Blurhash   string     `json:"blurhash,omitempty"`
	Width      int        `json:"width,omitempty"`
	Height     int        `json:"height,omitempty"`
	FocalPoint [2]float64 `json:"focalPoint"`
}

// mediaURL is where peers fetch a picture: ours for our files, the peer's
// own URL for a peer's.
func (l Links) mediaURL(m *store.Media) string {
	if m.RemoteURL != "" {
		return m.RemoteURL
	}
	return l.MediaFile(m.Token, MediaOriginal, m.MediaType)
}

// attachments are a post's pictures as its document lists them.
func (l Links) attachments(list []*store.Media) []attachment {
	out := make([]attachment, 0, len(list))
	for _, m := range list {
		a := attachment{Type: "Document", MediaType: m.MediaType, URL: l.mediaURL(m), Blurhash: m.Blurhash,
			Width: m.Width, Height: m.Height, FocalPoint: [2]float64{m.FocusX, m.FocusY}}
		if m.Type == "image" {
			a.Type = "Image"
		}
		if m.Description != "" {
			a.Name = &m.Description
		}
		out = append(out, a)
	}
	return out
}

// remoteAttachment is a peer's attachment as sent; url may be a string, a
// Link or a list of them.
type remoteAttachment struct {
	Type       json.RawMessage `json:"type"`
	MediaType  string          `json:"mediaType"`
	URL        json.RawMessage `json:"url"`
	Name       string          `json:"name"`
	Summary    string          `json:"summary"`
	Blurhash   string          `json:"blurhash"`
	Width      float64         `json:"width"`
	Height     float64         `json:"height"`
	FocalPoint []float64       `json:"focalPoint"`
}

// maxRemoteAttachments is how many of a peer's attachments are kept
// (Mastodon keeps 4 too).
const maxRemoteAttachments = 4

// maxBlurhash bounds a peer's blurhash (9 × 9 components make 4 + 2 + 81×2
// characters; Mastodon's are 28).
const maxBlurhash = 200

// NoteAttachments reads a peer's post's attachments into media rows
// (without their owner and post, which the caller sets): pictures and
// other files with an http(s) URL, alt text made plain text and cut at
// maxDescription characters.
func NoteAttachments(raw []byte, maxDescription int) []*store.Media {
	var doc struct {
		Attachment flexList[remoteAttachment] `json:"attachment"`
	}
	_ = json.Unmarshal(raw, &doc)
	var out []*store.Media
	for _, a := range doc.Attachment {
		if len(out) == maxRemoteAttachments {
			break
		}
		if !hasType(a.Type, "Image") && !hasType(a.Type, "Document") && !hasType(a.Type, "Video") && !hasType(a.Type, "Audio") {
			continue // PropertyValue and others are not files
		}
		link, mediaType := attachmentURL(a.URL)
		if a.MediaType != "" {
			mediaType = a.MediaType
		}
		u, err := url.Parse(link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			continue
		}
		name := a.Name
		if name == "" {
			name = a.Summary
		}
		desc := []rune(strings.TrimSpace(markup.Text(name)))
		if len(desc) > maxDescription {
			desc = desc[:maxDescription]
		}
		m := &store.Media{Type: mastodonType(mediaType), MediaType: mediaType, RemoteURL: link, Description: string(desc),
			Width: dimension(a.Width), Height: dimension(a.Height)}
		if len(a.Blurhash) <= maxBlurhash && isBlurhash(a.Blurhash) {
			m.Blurhash = a.Blurhash
		}
		if len(a.FocalPoint) == 2 {
			m.FocusX, m.FocusY = unitRange(a.FocalPoint[0]), unitRange(a.FocalPoint[1])
		}
		out = append(out, m)
	}
	return out
}

// attachmentURL reads url as a string, a Link (href, mediaType) or a list
// (the first one).
func attachmentURL(raw json.RawMessage) (string, string) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, ""
	}
	var links flexList[struct {
		Href      string `json:"href"`
		MediaType string `json:"mediaType"`
	}]
	if json.Unmarshal(raw, &links) == nil && len(links) > 0 {
		return links[0].Href, links[0].MediaType
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil && len(many) > 0 {
		return many[0], ""
	}
	return "", ""
}

// mastodonType is the Mastodon type of a file's media type.
func mastodonType(mediaType string) string {
	switch {
	case strings.HasPrefix(mediaType, "image/"):
		return "image"
	case strings.HasPrefix(mediaType, "video/"):
		return "video"
	case strings.HasPrefix(mediaType, "audio/"):
		return "audio"
	}
	return "unknown"
}

func dimension(v float64) int {
	if v < 1 || v > 1<<20 || math.IsNaN(v) {
		return 0
	}
	return int(v)
}

func unitRange(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return math.Max(-1, math.Min(1, v))
}

// isBlurhash tells whether s is made of blurhash's base 83 digits.
func isBlurhash(s string) bool {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
	for _, r := range s {
		if !strings.ContainsRune(digits, r) {
			return false
		}
	}
	return len(s) >= 6
}

// ActorImages reads the avatar (icon) and header (image) URLs of a peer's
// actor document; "" for what it lacks or gives as no http(s) URL.
func ActorImages(raw []byte) (avatar, header string) {
	var doc struct {
		Icon  flexList[json.RawMessage] `json:"icon"`
		Image flexList[json.RawMessage] `json:"image"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return "", ""
	}
	first := func(list flexList[json.RawMessage]) string {
		for _, it := range list {
			var s string
			if json.Unmarshal(it, &s) != nil {
				var obj struct {
					URL json.RawMessage `json:"url"`
				}
				if json.Unmarshal(it, &obj) != nil {
					continue
				}
				s, _ = attachmentURL(obj.URL)
			}
			if u, err := url.Parse(s); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
				return s
			}
		}
		return ""
	}
	return first(doc.Icon), first(doc.Image)
}
